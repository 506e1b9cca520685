// The flags every chronik command has (--json), apart from the oclif Command class so that the fast
// start (fast-start.ts) parses with the very same definitions without loading oclif's command machinery.
import * as Flags from '@oclif/core/flags';

// Replaces oclif's own json flag (same name) only to say what chronik prints.
export const baseFlags = {
  json: Flags.boolean({ description: 'Print exactly one JSON document on stdout.', default: false }),
};
