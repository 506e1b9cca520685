// Defaults shared by flag definitions (shown in --help) and the code that applies them, in a module of
// their own: the fast start bundles the flag definitions, and the code run from dist/ must not load
// oclif's flags module (some 40 files) just for a constant.
export const DEFAULT_ENDPOINT = '127.0.0.1:9192';

/** status: how long to wait for each node's answer, and with --wait, for the condition. */
export const DEFAULT_TIMEOUT = '3s';
export const DEFAULT_WAIT = '30s';
