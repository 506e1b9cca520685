// Opening a node's storage at start: create a fresh data dir with its initial membership, or resume an
// existing one; every refusal becomes an OperationError (exit 1) naming the reason and what to do.
import { OperationError } from '../shared/errors.js';
import { bootstrapEntries } from '../raft/index.js';
import type { Entry, HardState, Member } from '../raft/types.js';
import { createDataDir, dataDirState, openDataDir, type OpenDataDir } from './datadir.js';
import { DataDirLockedError, StorageCorruptError } from './errors.js';
import type { Logger } from './logger.js';
import type { NodeConfig } from './node-config.js';
import type { WalOptions } from './wal.js';

export interface OpenedStorage {
  dataDir: OpenDataDir;
  /** True when this start created the data dir. */
  fresh: boolean;
}

/** The initial log and hard state of a fresh data dir: the bootstrap membership, already committed. */
function initialState(config: NodeConfig): { entries: Entry[]; hardState: HardState } {
  if (config.join) return { entries: [], hardState: { term: 0, vote: 0, commit: 0 } };
  const members: Member[] = [{ id: config.nodeId, addr: config.advertise }, ...config.peers];
  const entries = bootstrapEntries(members);
  const last = entries.at(-1);
  return { entries, hardState: { term: last?.term ?? 0, vote: 0, commit: last?.index ?? 0 } };
}

export async function openStorage(config: NodeConfig, logger: Logger, walOptions: WalOptions): Promise<OpenedStorage> {
  const state = dataDirState(config.dataDir);
  if (state === 'foreign') {
    throw new OperationError(`${config.dataDir} exists but is not a chronik data dir`, 'choose another --data-dir, or move that directory away');
  }
  let fresh = false;
  if (state === 'absent' || state === 'empty') {
    const { entries, hardState } = initialState(config);
    fresh = createDataDir(config.dataDir, { nodeId: config.nodeId, cluster: config.cluster }, entries, hardState);
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
  if (dataDir.contents.tornTail !== undefined) {
    const torn = dataDir.contents.tornTail;
    logger.warn('wal tail truncated', { file: torn.file, offset: torn.offset, bytes: torn.bytes });
  }
  return { dataDir, fresh };
}
