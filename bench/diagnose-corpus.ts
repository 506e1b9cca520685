// Generates the diagnose benchmark's corpus: realistic mixed Raft logs of every dialect (mostly routine lines,
// a few incidents), one file per node, written in large chunks so generating 300 MB takes seconds.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
  chronikJsonLine,
  chronikTextLine,
  hclogJsonLine,
  hclogLine,
  prng,
  slogMessage,
  tikvLine,
  tracingLine,
  type LogRecord,
} from '../scripts/fixtures/dialects.js';
import { hashi, raftRs, type RsRecord } from '../scripts/fixtures/vocab.js';

interface Timed {
  at: number;
  line: string;
}

/** One node's log: how a routine line and a Raft event line look in its dialect. */
interface NodeSpec {
  file: string;
  /** 1..3 within its cluster; decides who leads which term, so every cluster has one leader per term. */
  node: number;
  routine: (at: number, i: number) => string;
  /** Raft lines for an election won by this node (`leader`) or observed by it (`follower`) at `term`. */
  election: (at: number, term: number, role: 'leader' | 'follower') => string[];
  /** Timed lines of an incident this node shows once, starting at `at` (most nodes have none). */
  incident?: (at: number) => Timed[];
}

const T0 = Date.UTC(2026, 2, 1, 0, 0, 0);
/** The node (1..3) that leads `term` in every cluster of the corpus. */
const leaderOf = (term: number): number => ((3 - (term % 3)) % 3) || 3;
const etcdId = (n: number): string => `8e9e05c52164694${n}`;

type Routine = (at: number, i: number) => string;
/** Routine templates with the warning-level one (index 2) only once in ~500 lines, as on a busy but healthy node. */
function pick(routines: Routine[], i: number): Routine {
  const quiet = routines.filter((_, k) => k !== 2);
  return (i % 499 === 0 ? routines[2] : quiet[i % quiet.length]) ?? (routines[0] as Routine);
}

/** Each product is its own cluster: stagger terms and start times so clusters never share a term by accident. */
const FAMILIES = ['etcd-', 'tikv-', 'tracing-', 'consul-', 'vault-', 'chronik-'];
const familyOf = (file: string): number => Math.max(0, FAMILIES.findIndex((p) => file.startsWith(p)));
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function etcdTs(at: number): string {
  return new Date(at).toISOString();
}

function etcdZap(member: number, id: string): NodeSpec {
  const routines = [
    (at: number, i: number) => `{"level":"info","ts":"${etcdTs(at)}","caller":"mvcc/index.go:214","msg":"compact tree index","revision":${1000 + i}}`,
    (at: number, i: number) => `{"level":"info","ts":"${etcdTs(at)}","caller":"mvcc/kvstore_compaction.go:56","msg":"finished scheduled compaction","compact-revision":${1000 + i},"took":"${(i % 97) / 10 + 1}ms"}`,
    (at: number, i: number) => `{"level":"warn","ts":"${etcdTs(at)}","caller":"etcdserver/util.go:163","msg":"apply request took too long","took":"${100 + (i % 300)}.${i % 1000}ms","expected-duration":"100ms","prefix":"read-only range ","request":"key:\\"/registry/pods/default/web-${i % 50}\\" ","response":"range_response_count:1 size:${2000 + (i % 900)}"}`,
    (at: number, i: number) => `{"level":"info","ts":"${etcdTs(at)}","caller":"etcdserver/server.go:2401","msg":"saved snapshot","snapshot-index":${i * 10},"local-member-id":"${id}"}`,
  ];
  const raft = (at: number, msg: string): string => `{"level":"info","ts":"${etcdTs(at)}","caller":"raft/raft.go:723","msg":"${msg}"}`;
  return {
    file: `etcd-zap-${member}.log`,
    node: member,
    routine: (at, i) => pick(routines, i)(at, i),
    election: (at, term, role) =>
      role === 'leader'
        ? [raft(at, `${id} is starting a new election at term ${term - 1}`), raft(at, `${id} became candidate at term ${term}`), raft(at + 3, `${id} became leader at term ${term}`)]
        : [raft(at, `${id} [term: ${term - 1}] received a MsgVote message with higher term from ${etcdId(leaderOf(term))} [term: ${term}]`), raft(at, `${id} became follower at term ${term}`)],
  };
}

function etcdCapnslog(member: number, id: string): NodeSpec {
  const ts = (at: number): string => {
    const d = new Date(at);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}000`;
  };
  const raftTs = (at: number): string => ts(at).slice(0, 19).replace(/-/g, '/');
  const routines = [
    (at: number, i: number) => `${ts(at)} I | mvcc: store.index: compact ${1000 + i}`,
    (at: number, i: number) => `${ts(at)} I | mvcc: finished scheduled compaction at ${1000 + i} (took ${(i % 97) / 10 + 1}ms)`,
    (at: number, i: number) => `${ts(at)} W | etcdserver: read-only range request "key:\\"/registry/leases/kube-node-lease/node-${i % 20}\\" " with result "range_response_count:1 size:${300 + (i % 80)}" took too long (${100 + (i % 200)}ms) to execute`,
    (at: number) => `${ts(at)} I | etcdserver: start to snapshot (applied: 10001, lastsnap: 1)`,
  ];
  return {
    file: `etcd-capnslog-${member}.log`,
    node: member,
    routine: (at, i) => pick(routines, i)(at, i),
    election: (at, term, role) =>
      role === 'leader'
        ? [`raft${raftTs(at)} INFO: ${id} is starting a new election at term ${term - 1}`, `raft${raftTs(at)} INFO: ${id} became candidate at term ${term}`, `raft${raftTs(at)} INFO: ${id} became leader at term ${term}`]
        : [`raft${raftTs(at)} INFO: ${id} became follower at term ${term}`, `raft${raftTs(at)} INFO: raft.node: ${id} elected leader ${etcdId(leaderOf(term))} at term ${term}`],
  };
}

function tikv(store: number): NodeSpec {
  const peer = 10 + store;
  const kv = (r: RsRecord): string => tikvLine({ ...r, fields: [...(r.fields ?? []), ['raft_id', peer], ['peer_id', peer], ['region_id', 2]] }, r.src);
  const routines = [
    (at: number, i: number) => tikvLine({ at, level: 'info', msg: 'apply snapshot', fields: [['region_id', 100 + (i % 400)], ['peer_id', 2000 + i % 999], ['time_takes', `${i % 40}ms`]] }, 'apply.rs:1253'),
    (at: number, i: number) => tikvLine({ at, level: 'info', msg: 'compact log', fields: [['region_id', 100 + (i % 400)], ['compact_index', 5000 + i], ['first_index', 4000 + i]] }, 'peer_storage.rs:1712'),
    (at: number, i: number) => tikvLine({ at, level: 'warn', msg: 'slow score update', fields: [['store_id', store], ['slow_score', 1 + (i % 5)]] }, 'worker.rs:1020'),
    (at: number, i: number) => tikvLine({ at, level: 'info', msg: 'region heartbeat', fields: [['region_id', 100 + (i % 400)], ['approximate_size', 96_000_000 + i]] }, 'pd.rs:982'),
  ];
  return {
    file: `tikv-${store}.log`,
    node: store,
    routine: (at, i) => pick(routines, i)(at, i),
    election: (at, term, role) =>
      role === 'leader'
        ? [kv(raftRs.startingElection(at, term - 1)), kv(raftRs.becameCandidate(at, term)), kv(raftRs.becameLeader(at + 3, term))]
        : [kv(raftRs.higherTerm(at, 10 + leaderOf(term), term - 1, term, 'MsgRequestVote')), kv(raftRs.becameFollower(at, term))],
  };
}

function tracing(node: number): NodeSpec {
  const bridged = (r: RsRecord): string => tracingLine({ ...r, msg: slogMessage({ ...r, fields: [...(r.fields ?? []), ['raft_id', node]] }), fields: [] }, 'raft::raft');
  const routines = [
    (at: number, i: number) => tracingLine({ at, level: 'info', msg: 'produce request handled', fields: [['topic', `orders-${i % 12}`], ['partition', i % 6], ['records', 1 + (i % 40)], ['latency_ms', i % 17]] }, 'chronik_server::produce_handler', { bridged: false }),
    (at: number, i: number) => tracingLine({ at, level: 'debug', msg: 'fetch served', fields: [['topic', `orders-${i % 12}`], ['offset', 100_000 + i]] }, 'chronik_server::fetch_handler', { bridged: false }),
    (at: number, i: number) => tracingLine({ at, level: 'info', msg: 'segment flushed', fields: [['bytes', 1_048_576 + i], ['path', `/data/wal/orders-${i % 12}/${i}.log`]] }, 'chronik_wal::group_commit', { bridged: false }),
  ];
  return {
    file: `tracing-${node}.log`,
    node,
    routine: (at, i) => (routines[i % routines.length] ?? routines[0])!(at, i),
    election: (at, term, role) =>
      role === 'leader'
        ? [bridged(raftRs.startingElection(at, term - 1)), bridged(raftRs.becameCandidate(at, term)), bridged(raftRs.becameLeader(at + 3, term))]
        : [bridged(raftRs.becameFollower(at, term))],
  };
}

function hclog(product: 'consul' | 'vault', node: number, json: boolean): NodeSpec {
  const name = product === 'consul' ? 'agent.server.raft' : 'storage.raft';
  const addr = `10.0.${product === 'consul' ? 5 : 6}.${node}:8300`;
  const render = (r: LogRecord, module = name): string => (json ? hclogJsonLine(r, module) : hclogLine(r, module));
  const routines = [
    (at: number) => render({ at, level: 'info', msg: 'Synced node info' }, 'agent'),
    (at: number, i: number) => render({ at, level: 'debug', msg: 'Skipping remote check since it is managed automatically', fields: [['check', `serfHealth-${i % 9}`]] }, 'agent'),
    (at: number, i: number) => render({ at, level: 'info', msg: 'starting snapshot up to', fields: [['index', 100_000 + i]] }, name),
    (at: number, i: number) => render({ at, level: 'info', msg: 'compacting logs', fields: [['from', 90_000 + i], ['to', 100_000 + i]] }, name),
  ];
  return {
    file: `${product}-${json ? 'json-' : ''}${node}.log`,
    node,
    routine: (at, i) => (routines[i % routines.length] ?? routines[0])!(at, i),
    election: (at, term, role) =>
      role === 'leader'
        ? [render(hashi.heartbeatTimeout(at, '', '')), render(hashi.candidate(at, addr, term)), render(hashi.electionWon(at + 3, term, 2)), render(hashi.leader(at + 3, addr))]
        : [render(hashi.follower(at, addr, addr.replace(/\d+:8300$/, `${leaderOf(term)}:8300`), `server-${leaderOf(term)}`))],
  };
}

function chronik(node: number, json: boolean): NodeSpec {
  const render = (r: LogRecord): string => (json ? chronikJsonLine(r) : chronikTextLine(r));
  const routines = [
    (at: number, i: number) => render({ at, level: 'debug', msg: 'membership applied', fields: [['node', node], ['term', 3], ['index', i], ['change', 'noop'], ['voters', '[1,2,3]'], ['learners', '[]']] }),
    (at: number, i: number) => render({ at, level: 'warn', msg: 'wal fsync slow', fields: [['node', node], ['term', 3], ['duration', 40 + (i % 30)], ['entries', 1 + (i % 8)]] }),
  ];
  return {
    file: `chronik-${json ? 'json' : 'text'}-${node}.log`,
    node,
    routine: (at, i) => (routines[i % 5000 === 0 ? 1 : 0] ?? routines[0])!(at, i),
    election: (at, term, role) =>
      role === 'leader'
        ? [render({ at, level: 'info', msg: 'became candidate', fields: [['node', node], ['term', term]] }), render({ at: at + 3, level: 'info', msg: 'became leader', fields: [['node', node], ['term', term]] })]
        : [render({ at, level: 'info', msg: 'leader changed', fields: [['node', node], ['term', term], ['leader', leaderOf(term)], ['previous', 0]] })],
  };
}

/** The incidents the corpus carries (so diagnose has real work): a quorum loss, a storm, an empty voter set. */
function withIncidents(specs: NodeSpec[]): NodeSpec[] {
  const tikv1 = specs.find((s) => s.file === 'tikv-1.log');
  if (tikv1) {
    tikv1.incident = (at) => {
      const kv = (r: RsRecord): Timed => ({
        at: r.at,
        line: tikvLine({ ...r, fields: [...(r.fields ?? []), ['raft_id', 11], ['peer_id', 11], ['region_id', 2]] }, r.src),
      });
      const lines = [kv(raftRs.steppedDown(at)), kv(raftRs.becameFollower(at, 40))];
      for (let k = 1; k <= 60; k++) lines.push(kv(raftRs.becamePreCandidate(at + k * 1500, 40)), kv(raftRs.broadcastVote(at + k * 1500, 'MsgRequestPreVote', 41, 40, 9000, [12, 13])));
      return lines;
    };
  }
  const tracing1 = specs.find((s) => s.file === 'tracing-1.log');
  if (tracing1) {
    const raftLine = (at: number, msg: string): Timed => ({ at, line: tracingLine({ at, level: 'info', msg }, 'raft::raft') });
    tracing1.incident = (at) => [
      raftLine(at, 'switched to configuration, config: Configuration { voters: Configuration { incoming: Configuration { voters: {} }, outgoing: Configuration { voters: {} } } }'),
      raftLine(at, 'became follower at term 0, term: 0'),
      ...Array.from({ length: 20 }, (_, k) => raftLine(at + 1000 * (k + 30), 'no leader at term 0; dropping proposal')),
    ];
  }
  return specs;
}

export function corpusSpecs(): NodeSpec[] {
  const specs: NodeSpec[] = [];
  for (let n = 1; n <= 3; n++) {
    const id = etcdId(n);
    specs.push(etcdZap(n, id), etcdCapnslog(n, id), tikv(n), tracing(n), hclog('consul', n, false), hclog('vault', n, true), chronik(n, false), chronik(n, true));
  }
  return withIncidents(specs);
}

/** Writes the corpus into `dir`, `totalBytes` spread evenly over the files; returns the file paths. */
export function writeCorpus(dir: string, totalBytes: number): string[] {
  mkdirSync(dir, { recursive: true });
  const specs = corpusSpecs();
  const perFile = Math.ceil(totalBytes / specs.length);
  const paths: string[] = [];
  for (const [fileIndex, spec] of specs.entries()) {
    const rnd = prng(1000 + fileIndex);
    const path = join(dir, spec.file);
    const fd = openSync(path, 'w');
    let written = 0;
    const family = familyOf(spec.file);
    let at = T0 + family * 7_000;
    let i = 0;
    let term = 2 + 3 * family;
    let chunk: string[] = [];
    let chunkBytes = 0;
    const incidentAt = spec.incident ? perFile * 0.6 : Infinity;
    let pending: Timed[] | undefined;
    const emit = (line: string): void => {
      chunk.push(line);
      chunkBytes += line.length + 1;
      if (chunkBytes > 1 << 20) {
        writeSync(fd, chunk.join('\n') + '\n');
        written += chunkBytes;
        chunk = [];
        chunkBytes = 0;
      }
    };
    const role = (t: number): 'leader' | 'follower' => ((t + spec.node) % 3 === 0 ? 'leader' : 'follower');
    for (const line of spec.election(at, term, role(term))) emit(line);
    while (written + chunkBytes < perFile) {
      at += 1 + Math.floor(rnd() * 8);
      i += 1;
      emit(spec.routine(at, i));
      // a leader change every ~20 minutes of log time: routine, not an incident
      if (i % 200_000 === 0) {
        term += 1;
        for (const line of spec.election(at, term, role(term))) emit(line);
      }
      if (pending === undefined && written + chunkBytes >= incidentAt && spec.incident) pending = spec.incident(at);
      while (pending && pending.length > 0 && (pending[0]?.at ?? Infinity) <= at) emit(pending.shift()?.line ?? '');
    }
    if (chunk.length > 0) writeSync(fd, chunk.join('\n') + '\n');
    closeSync(fd);
    paths.push(path);
  }
  return paths;
}
