// Opening a node's storage at start: create a fresh data dir with its initial membership, or resume an
// existing one; every refusal becomes an OperationError (exit 1) naming the reason and what to do.
import { OperationError } from '../shared/errors.js';
import { bootstrapEntries } from '../raft/index.js';
import type { Entry, HardState, Member } from '../raft/types.js';
import { deriveClusterId, tokenFingerprint } from './cluster-id.js';
import { createDataDir, dataDirState, openDataDir, type NewDataDirMeta, type OpenDataDir } from './datadir.js';
import { DataDirLockedError, StorageCorruptError } from './errors.js';
import type { Logger } from './logger.js';
import { memberIds, memberList, membershipAt } from './membership.js';
import type { NodeConfig } from './node-config.js';
import type { WalOptions } from './wal.js';

export interface OpenedStorage {
  dataDir: OpenDataDir;
  /** True when this start created the data dir. */
  fresh: boolean;
}

/** This node plus its peers, as a fresh bootstrap makes them the initial voters. */
function initialMembers(config: NodeConfig): Member[] {
  return [{ id: config.nodeId, addr: config.advertise }, ...config.peers].sort((a, b) => a.id - b.id);
}

/** The metadata, initial log and hard state of a fresh data dir: the bootstrap membership, already committed. */
function initialState(config: NodeConfig): { meta: NewDataDirMeta; entries: Entry[]; hardState: HardState } {
  const base = {
    nodeId: config.nodeId,
    cluster: config.cluster,
    ...(config.clusterToken !== undefined ? { tokenFingerprint: tokenFingerprint(config.clusterToken) } : {}),
  };
  // A joining node has no cluster ID until the leader that adds it sends its first message.
  if (config.join) return { meta: base, entries: [], hardState: { term: 0, vote: 0, commit: 0 } };
  const members = initialMembers(config);
  const entries = bootstrapEntries(members);
  const last = entries.at(-1);
  return {
    meta: { ...base, clusterId: deriveClusterId(config.cluster, members, config.clusterToken), initialVoters: members },
    entries,
    hardState: { term: last?.term ?? 0, vote: 0, commit: last?.index ?? 0 },
  };
}

const sameIds = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((id, i) => id === b[i]);

/**
 * Resuming a data dir with flags that name another cluster is refused: voter ids that are neither the data
 * dir's initial voters nor its current ones (a single-node data dir reused as a member of a new three-node
 * cluster), or another cluster token. Flags that name no voters or no token are not checked; a difference
 * only in the addresses of known members is a warning (hosts move).
 */
function checkResume(config: NodeConfig, dataDir: OpenDataDir, logger: Logger): void {
  const { meta, contents, snapshot } = dataDir;
  if (config.clusterToken !== undefined && meta.tokenFingerprint !== tokenFingerprint(config.clusterToken)) {
    throw new OperationError(
      `data dir ${config.dataDir} was bootstrapped ${meta.tokenFingerprint === undefined ? 'without a --cluster-token' : 'with another --cluster-token'}`,
      'a different token means a different cluster: give the token this cluster was bootstrapped with, or use a fresh --data-dir for a new cluster',
    );
  }
  if (config.join || config.peers.length === 0) return;
  const named = initialMembers(config);
  const current = membershipAt(contents.entries, Number.MAX_SAFE_INTEGER, snapshot?.meta).membership.voters;
  const initial = meta.initialVoters ?? [];
  const namedIds = memberIds(named);
  const matches = [initial, current].find((set) => set.length > 0 && sameIds(namedIds, memberIds(set)));
  if (matches === undefined) {
    throw new OperationError(
      `data dir ${config.dataDir} belongs to another cluster: its voters are [${memberIds(current).join(',')}]` +
        `${initial.length > 0 && !sameIds(memberIds(initial), memberIds(current)) ? ` (bootstrapped as [${memberIds(initial).join(',')}])` : ''}, ` +
        `but --peers names voters [${namedIds.join(',')}]`,
      'to start a new cluster, give this node a fresh --data-dir (or move this one away); to resume this cluster, pass the --peers it was started with, or none',
    );
  }
  if (memberList(named) !== memberList(matches)) {
    logger.warn('peers differ from persisted membership', { given: memberList(named), persisted: memberList(current) });
  }
}

export async function openStorage(config: NodeConfig, logger: Logger, walOptions: WalOptions): Promise<OpenedStorage> {
  const state = dataDirState(config.dataDir);
  if (state === 'foreign') {
    throw new OperationError(`${config.dataDir} exists but is not a chronik data dir`, 'choose another --data-dir, or move that directory away');
  }
  let fresh = false;
  if (state === 'absent' || state === 'empty') {
    const { meta, entries, hardState } = initialState(config);
    fresh = createDataDir(config.dataDir, meta, entries, hardState);
  }
  let dataDir: OpenDataDir;
  try {
    dataDir = await openDataDir(config.dataDir, walOptions);
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      throw new OperationError(err.message, `another chronik node (pid ${err.pid}) runs on this data dir; stop it first or use another --data-dir`);
    }
    if (err instanceof StorageCorruptError) {
      logger.error('storage corrupt', { file: err.file, offset: err.offset, reason: err.reason });
      throw new OperationError(err.message, err.hint);
    }
    throw new OperationError(`cannot open data dir ${config.dataDir}: ${(err as Error).message}`);
  }
  if (dataDir.meta.nodeId !== config.nodeId) {
    await dataDir.close();
    throw new OperationError(
      `data dir ${config.dataDir} belongs to node ${dataDir.meta.nodeId}, not node ${config.nodeId}`,
      'pass the matching --node-id or --data-dir',
    );
  }
  if (dataDir.meta.cluster !== config.cluster) {
    await dataDir.close();
    throw new OperationError(
      `data dir ${config.dataDir} belongs to cluster "${dataDir.meta.cluster}", not "${config.cluster}"`,
      'pass the matching cluster config or --data-dir; a node must never mix the logs of two clusters',
    );
  }
  if (!fresh) {
    try {
      checkResume(config, dataDir, logger);
    } catch (err) {
      await dataDir.close();
      throw err;
    }
  }
  if (dataDir.contents.tornTail !== undefined) {
    const torn = dataDir.contents.tornTail;
    logger.warn('wal tail truncated', { file: torn.file, offset: torn.offset, bytes: torn.bytes });
  }
  return { dataDir, fresh };
}
