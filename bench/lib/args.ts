// Flag parsing and the top-level error handling shared by the bench scripts.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseDuration } from '../../src/cli/duration.js';
import { UsageError, ChronikError } from '../../src/cli/errors.js';
import { killEverythingNow } from './processes.js';
import type { SystemName } from './cluster.js';

export { parseDuration, UsageError };

export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(options: T) {
  try {
    return parseArgs({ options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

export function parseSystems(text: string): SystemName[] {
  const systems = text.split(',').map((part) => part.trim());
  for (const system of systems) {
    if (system !== 'etcd' && system !== 'chronik') {
      throw new UsageError(`unknown system "${system}" in --systems`, 'use etcd, chronik or etcd,chronik');
    }
  }
  return systems as SystemName[];
}

export function parsePositiveIntegers(text: string, what: string): number[] {
  return text.split(',').map((part) => {
    const value = Number(part.trim());
    if (!Number.isInteger(value) || value <= 0) throw new UsageError(`invalid ${what} "${part}": want positive integers`);
    return value;
  });
}

/** Runs a bench main: one `Error: ...` line and the documented exit code on failure, nothing left running. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => {
      killEverythingNow();
      process.exit(0);
    },
    (err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      console.error(`Error: ${message}`);
      if (err instanceof ChronikError && err.hint) console.error(`Hint: ${err.hint}`);
      if (process.env.DEBUG && err instanceof Error) console.error(err.stack);
      killEverythingNow();
      process.exit(err instanceof ChronikError ? err.exitCode : 1);
    },
  );
}
