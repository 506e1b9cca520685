// The node runtime's public surface for other parts of chronik: starting a node, and reading a stopped
// node's data dir offline (`chronik status --data-dir`, `chronik diagnose`).
export { readDataDir, type DataDirSummary } from './datadir.js';
export { DataDirLockedError, StorageCorruptError } from './errors.js';
export { resolveNodeConfig, type BootstrapFlags, type NodeConfig } from './node-config.js';
export { startNode, type RunningNode } from './runtime.js';
