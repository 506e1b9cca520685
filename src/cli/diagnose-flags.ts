// `chronik diagnose`'s argument and flags, the one definition: the oclif command (commands/diagnose.ts)
// declares them and the fast start (fast-start.ts) parses with them.
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';

export const diagnoseArgs = {
  path: Args.string({ description: 'log file, directory, .gz file, chronik data dir, or - for stdin', required: true }),
};

export const diagnoseFlags = {
  since: Flags.string({ description: 'ignore lines before this time: ISO time, or a duration meaning "ago" (2h, 30m)' }),
  until: Flags.string({ description: 'ignore lines after this time: ISO time, or a duration meaning "ago"' }),
  'min-severity': Flags.string({ description: 'hide findings below this severity (exit code is unaffected)', options: ['info', 'warning', 'critical'], default: 'info' }),
};

/** More than one path may follow the first: oclif's non-strict mode hands them all over in argv. */
export const DIAGNOSE_STRICT = false;
