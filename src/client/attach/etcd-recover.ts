// `recover plan` for etcd data dirs: the survivors ranked like chronik's, and the etcd 3.4 sequence per
// host: restore the kept member's own state (member/snap/db) as a one-member cluster, start it, and add
// the others back one at a time (etcdctl member add, then etcd on an empty data dir joining it).
// Not --force-new-cluster: it drops the log entries after the member's persisted commit index even when
// the member had already applied them, so members added afterwards would lack writes it keeps (seen on
// etcd 3.4.23 in test/e2e/recover-etcd.test.ts's scenario).
import { OperationError, UsageError } from '../../shared/errors.js';
import { rankSurvivors, type HostSteps, type RecoveryPlan } from '../../shared/recovery.js';
import { readEtcdDataDir, type EtcdDataDir, type EtcdMemberInfo } from './etcd-datadir.js';

export function readEtcdSurvivors(dirs: readonly string[]): EtcdDataDir[] {
  return dirs.map((dir) => readEtcdDataDir(dir));
}

export function planEtcdRecovery(dirs: readonly EtcdDataDir[]): RecoveryPlan {
  const clusters = [...new Set(dirs.map((d) => d.clusterId))];
  if (clusters.length > 1) throw new UsageError(`the data dirs belong to different etcd clusters: ${clusters.join(', ')}`);
  const ids = dirs.map((d) => d.memberId);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate !== undefined) throw new UsageError(`two data dirs belong to member ${duplicate}`);
  const newest = [...dirs].sort((a, b) => b.commit - a.commit)[0] as EtcdDataDir;
  const info = new Map<string, EtcdMemberInfo>();
  for (const d of dirs) for (const m of d.members) info.set(m.id, { ...info.get(m.id), ...m });
  const peerOf = (id: string): string => info.get(id)?.peerURLs?.[0] ?? '';
  const clientOf = (id: string): string => info.get(id)?.clientURLs?.[0] ?? '';
  const nameOf = (id: string): string => info.get(id)?.name ?? id;
  const voters = newest.voters.map((id) => ({ id, addr: peerOf(id), name: nameOf(id) }));
  const quorum = Math.floor(voters.length / 2) + 1;
  const surviving = voters.filter((v) => ids.includes(v.id));
  if (voters.length > 0 && surviving.length >= quorum) {
    throw new OperationError(
      `nothing to recover: members ${surviving.map((v) => v.name).join(', ')} are ${surviving.length} of the ${voters.length} voters, a quorum`,
      'start them with their usual etcd command lines; they elect a leader by themselves',
    );
  }
  const { survivors, best, risk } = rankSurvivors(
    dirs.map((d) => ({ id: d.memberId, name: nameOf(d.memberId), dataDir: d.dir, addr: peerOf(d.memberId), term: d.term, lastTerm: d.lastTerm, lastIndex: d.lastIndex, commit: d.commit })),
  );
  const bestId = String(best.id);
  const missing = [bestId, ...voters.map((v) => v.id)].filter((id) => peerOf(id) === '' || clientOf(id) === '');
  if (missing.length > 0) {
    throw new OperationError(
      `the WAL no longer names the peer and client URLs of member${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (older entries were compacted away)`,
      `restart member ${nameOf(bestId)} with its usual command line plus --force-new-cluster, then add the others back with etcdctl member add (see docs/runbooks/QUORUM_LOST.md)`,
    );
  }
  const flags = (id: string, dataDir: string): string =>
    `etcd --name ${nameOf(id)} --data-dir ${dataDir} --listen-peer-urls ${peerOf(id)} --initial-advertise-peer-urls ${peerOf(id)} --listen-client-urls ${clientOf(id)} --advertise-client-urls ${clientOf(id)}`;
  const restored = `${best.dataDir}.restored`;
  const steps: HostSteps[] = [
    {
      id: bestId,
      name: nameOf(bestId),
      addr: clientOf(bestId),
      role: 'keep',
      dataDir: restored,
      survived: true,
      commands: [
        `etcdctl snapshot restore ${best.dataDir}/member/snap/db --skip-hash-check --name ${nameOf(bestId)} --initial-cluster ${nameOf(bestId)}=${peerOf(bestId)} --initial-advertise-peer-urls ${peerOf(bestId)} --data-dir ${restored}`,
        flags(bestId, restored),
      ],
    },
  ];
  const cluster = [`${nameOf(bestId)}=${peerOf(bestId)}`];
  for (const voter of voters.filter((v) => v.id !== bestId)) {
    const survivor = survivors.find((s) => s.id === voter.id);
    // etcd's own default data dir, relative to where the command runs on the new host.
    const dataDir = survivor?.dataDir ?? `${nameOf(voter.id)}.etcd`;
    cluster.push(`${nameOf(voter.id)}=${peerOf(voter.id)}`);
    steps.push({
      id: voter.id,
      name: nameOf(voter.id),
      addr: clientOf(voter.id),
      role: 'rejoin',
      dataDir,
      survived: survivor !== undefined,
      commands: [
        `etcdctl --endpoints ${clientOf(bestId)} member add ${nameOf(voter.id)} --peer-urls=${peerOf(voter.id)}`,
        ...(survivor ? [`mv ${dataDir} ${dataDir}.before-recovery`] : []),
        `${flags(voter.id, dataDir)} --initial-cluster ${cluster.join(',')} --initial-cluster-state existing`,
      ],
    });
  }
  const summary = [
    `keep member ${nameOf(bestId)} (${bestId}): its log ends at index ${best.lastIndex} (term ${best.lastTerm}), the most up to date of ${survivors.length} survivor${survivors.length === 1 ? '' : 's'}`,
    `its applied state (member/snap/db) becomes the new cluster's: every write it applied is kept, log entries it had not applied yet (its commit index on disk is ${best.commit}) are not`,
    ...risk.discarded.map((d) => `member ${nameOf(String(d.id))} holds ${d.entries} entr${d.entries === 1 ? 'y' : 'ies'} that ${nameOf(bestId)} does not: they are discarded when it rejoins`),
    `writes the lost members committed that ${nameOf(bestId)} never received are lost`,
    'the restored cluster gets a new cluster ID and new member IDs: clients keep using the same URLs',
  ];
  return { kind: 'etcd', cluster: newest.clusterId, voters, quorum, survivors, best, risk: { ...risk, summary }, steps };
}
