// Shows what diagnose made of one corpus case: files and dialects, nodes, findings, unrecognised lines.
// Usage: npx tsx test/corpus/show.ts <case-id>...
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { diagnose } from '../../src/diagnose/index.js';
import { CASES_DIR } from './grade.js';

for (const id of process.argv.slice(2)) {
  const dir = join(CASES_DIR, id);
  const report = await diagnose(readdirSync(dir).filter((f) => f !== 'case.json').map((f) => join(dir, f)));
  console.log(`== ${id}`);
  for (const f of report.files) console.log(`  file ${f.path.slice(dir.length + 1)} ${f.dialect} node=${f.node} lines=${f.lines}`);
  for (const n of report.nodes) console.log(`  node ${n.id} [${n.group}] terms ${n.firstTerm}->${n.lastTerm} led ${n.leaderTerms.join(',')} elections ${n.electionsStarted} leaders ${n.leadersSeen.join(',')} voters ${n.voters?.join(',') ?? '?'} ${n.firstSeen ?? '-'}..${n.lastSeen ?? '-'}`);
  for (const f of report.findings) console.log(`  ${f.severity} ${f.code}: ${f.summary}`);
  console.log(`  unrecognised ${report.unrecognised.count}`);
  for (const e of report.unrecognised.examples) console.log(`    ${e.line}: ${e.text.slice(0, 220)}`);
}
