// Renders `chronik recover plan` and `recover apply` for people: the ranking, what is at risk, and the
// commands to run, host by host.
import type { ApplyResult } from '../node/recover.js';
import type { RecoveryPlan } from '../shared/recovery.js';
import { paint, renderTable } from './render.js';

export function renderPlan(plan: RecoveryPlan): string {
  const rows = plan.survivors.map((s, i) => [
    String(i + 1),
    s.name === undefined ? String(s.id) : `${s.id} (${s.name})`,
    s.addr,
    String(s.lastTerm),
    String(s.lastIndex),
    String(s.commit),
    s.running === undefined ? s.dataDir : `${s.dataDir} (RUNNING, pid ${s.running})`,
  ]);
  const lines = [
    paint(`QUORUM LOST: ${plan.survivors.length} of ${plan.voters.length} voters survive (voters ${plan.voters.map((v) => v.name ?? v.id).join(', ')}), a quorum needs ${plan.quorum}`, 'bad'),
    '',
    renderTable(['RANK', 'ID', 'ADDRESS', 'LAST TERM', 'LAST INDEX', 'COMMIT', 'DATA DIR'], rows),
    '',
    'What happens:',
    ...plan.risk.summary.map((line) => `  - ${line}`),
    '',
    plan.kind === 'chronik'
      ? 'Stop every surviving node first (the plan reads their data dirs; recover apply refuses a running node).'
      : 'Stop every surviving member first (the plan reads their data dirs). Run each etcd command as that member runs (systemd unit, container), changing only what is shown.',
  ];
  for (const host of plan.steps) {
    const where = host.role === 'keep' ? 'keep' : host.survived ? 'wipe and rejoin' : 'rebuild (lost)';
    lines.push('', `On ${plan.kind === 'chronik' ? 'node' : 'member'} ${host.name ?? host.id} (${host.addr}, ${where}):`, ...host.commands.map((c) => `  ${c}`));
  }
  lines.push('', paint(`Run the rejoin steps one ${plan.kind === 'chronik' ? 'node' : 'member'} at a time, after ${plan.best.name ?? plan.best.id} leads (chronik status).`, 'dim'));
  if (plan.kind === 'etcd') lines.push(paint("etcd answers 'unhealthy cluster' to member add until every member has been connected for about 5 s: wait and repeat it.", 'dim'));
  return lines.join('\n');
}

export function renderApply(result: ApplyResult): string {
  if (result.entries.length === 0) return `node ${result.id}: voters are already ${result.voters.join(', ')}; nothing written`;
  return [
    ...result.entries.map((e) => `appended ${e.change} at index ${e.index} (term ${e.term})`),
    `node ${result.id}: voters ${result.previousVoters.join(', ')} -> ${result.voters.join(', ')}, committed through index ${result.commit}; start it with its usual chronik bootstrap command line`,
  ].join('\n');
}
