// Flag parsing and the top-level error handling shared by the bench scripts.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseDuration } from '../../src/shared/duration.js';
import { UsageError, ChronikError } from '../../src/shared/errors.js';
import { killEverythingNow } from './processes.js';
import type { BenchCluster, SystemName } from './cluster.js';
import { EtcdCluster } from './etcd.js';
import { ChronikCluster, type ChronikOptions } from './chronik.js';

export { parseDuration, UsageError };

export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(options: T) {
  try {
    return parseArgs({ options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** The --systems list; chronik-alt joins the default list when --alt-root names another checkout. */
export function parseSystems(text: string | undefined, altRoot: string | undefined): SystemName[] {
  const systems = (text ?? (altRoot === undefined ? 'etcd,chronik' : 'etcd,chronik,chronik-alt')).split(',').map((part) => part.trim());
  for (const system of systems) {
    if (system !== 'etcd' && system !== 'chronik' && system !== 'chronik-alt' && system !== 'chronik-tls') {
      throw new UsageError(`unknown system "${system}" in --systems`, 'use etcd, chronik, chronik-tls (all members TLS), chronik-alt (with --alt-root)');
    }
    if (system === 'chronik-alt' && altRoot === undefined) throw new UsageError('chronik-alt needs --alt-root DIR');
  }
  if (new Set(systems).size !== systems.length) throw new UsageError('--systems lists a system twice');
  return systems as SystemName[];
}

/** A cluster of the named system; chronik-alt runs the build in altRoot. */
export function clusterFor(system: SystemName, altRoot: string | undefined, chronikOptions: ChronikOptions = {}): BenchCluster {
  if (system === 'etcd') return new EtcdCluster();
  if (system === 'chronik-tls') return new ChronikCluster(3, { ...chronikOptions, tls: true });
  return new ChronikCluster(3, system === 'chronik-alt' ? { ...chronikOptions, altRoot } : chronikOptions);
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
