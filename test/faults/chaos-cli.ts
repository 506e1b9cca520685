// `npm run chaos -- --seconds N [--writers W] [--tls]`: the long chaos run (--tls: mutual TLS between members,
// clients over https); prints the figures, exits 1 on any loss.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatReport, runChaos } from './chaos.js';
import { makeWire } from '../e2e/wire.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, writers: { type: 'string', default: '3' }, tls: { type: 'boolean', default: false } } });
const seconds = Number(values.seconds);
const writers = Number(values.writers);
if (!Number.isFinite(seconds) || seconds <= 0 || !Number.isInteger(writers) || writers < 1) {
  process.stderr.write('Error: --seconds must be a positive number and --writers a positive integer\n');
  process.exit(2);
}
const root = mkdtempSync(join(tmpdir(), 'chronik-chaos-'));
const wire = makeWire(values.tls ? 'tls' : 'plain', 3);
try {
  const report = await runChaos({ root, seconds, writers, wire, log: (line) => process.stdout.write(`${line}\n`) });
  process.stdout.write(`${formatReport(report)}\n`);
  process.exitCode = report.lost.length === 0 && report.notOwn.length === 0 && report.divergent.length === 0 && report.violations.length === 0 ? 0 : 1;
} finally {
  await wire.close();
  rmSync(root, { recursive: true, force: true });
}
