// Small log files written straight from the message templates, one behaviour each, run through the whole
// of diagnose: recognition, identity, envelopes, encodings and time handling. The rules themselves are
// tested events-in / findings-out in test/diagnose/rules/.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTime } from '../../src/diagnose/command.js';
import { diagnose } from '../../src/diagnose/index.js';
import type { DiagnoseReport } from '../../src/diagnose/model.js';
import { nodeNameFromPath } from '../../src/diagnose/scan.js';
import { createDataDir } from '../../src/node/datadir.js';
import type { Entry } from '../../src/raft/types.js';

const root = mkdtempSync(join(tmpdir(), 'chronik-detectors-'));
let seq = 0;

async function run(files: Record<string, string[]>): Promise<DiagnoseReport> {
  const dir = join(root, `case-${++seq}`);
  mkdirSync(dir);
  for (const [name, lines] of Object.entries(files)) writeFileSync(join(dir, name), `${lines.join('\n')}\n`);
  return diagnose([dir]);
}

const codes = (report: DiagnoseReport): string[] => report.findings.map((f) => f.code);

/** etcd 3.4 zap lines: a raft message from member `id` at second `s` past a fixed minute. */
const zap = (s: number, msg: string, id = '8e9e05c52164694d', caller = 'raft/raft.go:923'): string =>
  `{"level":"info","ts":"2026-11-26T05:${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.000Z","caller":"${caller}","msg":"${msg}","local-member-id":"${id}"}`;

describe('slow disks and late heartbeats', () => {
  it('late heartbeats in capnslog are recognised', async () => {
    const lines = [
      '2026-11-26 05:00:00.000000 I | etcdserver: starting member dc142bc6b31954a4 in cluster 86a65df387ba25cd',
      'raft2026/11/26 05:00:01 INFO: dc142bc6b31954a4 became leader at term 2',
      '2026-11-26 05:00:30.000000 W | etcdserver: failed to send out heartbeat on time (exceeded the 100ms timeout for 1.2s, to b095c6374959d5be)',
      '2026-11-26 05:00:30.000100 W | etcdserver: server is likely overloaded',
    ];
    const report = await run({ 'etcd-3.log': lines });
    expect(codes(report)).toContain('HEARTBEAT_LATE');
    expect(report.files[0]!.node).toBe('dc142bc6b31954a4');
  });
});

describe('hashicorp bootstrap_expect', () => {
  const lines = [
    '2026-03-14T14:00:00.000Z [INFO]  agent.server.raft: initial configuration: index=0 servers=[]',
    '2026-03-14T14:00:00.001Z [INFO]  agent.server.raft: entering follower state: follower="Node at 10.0.0.12:8300 [Follower]" leader-address= leader-id=',
    '2026-03-14T14:00:01.900Z [WARN]  agent.server.raft: no known peers, aborting election',
  ];
  const later = '2026-03-14T14:05:00.000Z [ERROR] agent: Coordinate update error: error="No cluster leader"';

  it('waiting for the expected servers, then following a leader, is healthy', async () => {
    const report = await run({
      'consul-2.log': [
        ...lines,
        '2026-03-14T14:00:03.000Z [INFO]  agent.server: Found expected number of peers, attempting bootstrap: peers=10.0.0.11:8300,10.0.0.12:8300,10.0.0.13:8300',
        '2026-03-14T14:00:04.708Z [INFO]  agent.server: New leader elected: payload=consul-server-1',
        '2026-03-14T14:05:00.000Z [INFO]  agent: Synced node info',
      ],
    });
    expect(report.findings).toEqual([]);
    expect(report.nodes[0]!.voters).toEqual(['10.0.0.11:8300', '10.0.0.12:8300', '10.0.0.13:8300']);
  });

  it("the old 'EnableSingleNode disabled, and no known peers' is an empty voter set, from two pasted lines", async () => {
    const report = await run({
      'nomad.log': ['2016/03/01 10:00:00 [INFO] raft: Node at 10.0.0.1:4647 [Follower] entering Follower state', '2016/03/01 10:00:01 [WARN] raft: EnableSingleNode disabled, and no known peers. Aborting election.'],
    });
    expect(codes(report)).toEqual(expect.arrayContaining(['EMPTY_VOTERS', 'NOT_PROMOTABLE']));
    expect(report.findings.find((f) => f.code === 'EMPTY_VOTERS')!.evidence.map((e) => e.line)).toEqual([2]);
  });

  it('waiting forever is an empty voter set that never campaigns (no line says term 0, and no peers were handed to Raft)', async () => {
    const report = await run({ 'consul-2.log': [...lines, later] });
    expect(codes(report).sort()).toEqual(['EMPTY_VOTERS', 'NOT_PROMOTABLE']);
  });
});

describe('a pasted candidacy', () => {
  it("hashicorp's failed vote requests to every other server are NO_LEADER", async () => {
    const report = await run({
      'consul.log': [
        '2016/03/01 10:00:00 [WARN] raft: Heartbeat timeout reached, starting election',
        '2016/03/01 10:00:00 [INFO] raft: Node at 10.0.0.1:8300 [Candidate] entering Candidate state',
        '2016/03/01 10:00:00 [ERR] raft: Failed to make RequestVote RPC to 10.0.0.2:8300: dial tcp 10.0.0.2:8300: i/o timeout',
        '2016/03/01 10:00:00 [ERR] raft: Failed to make RequestVote RPC to 10.0.0.3:8300: dial tcp 10.0.0.3:8300: i/o timeout',
      ],
    });
    expect(report.findings.map((f) => [f.code, f.nodes, f.evidence.map((e) => e.line)])).toEqual([['NO_LEADER', ['10.0.0.1:8300'], [1, 3, 4]]]);
  });
});

describe('a paste newest first', () => {
  it('an etcd candidate far beyond its log term is an ELECTION_STORM and NO_LEADER, read in time order', async () => {
    const report = await run({
      'etcd.log': [
        'raft2019/09/19 08:17:20 INFO: 1 [logterm: 2, index: 4] sent MsgVote request to 2 at term 255',
        'raft2019/09/19 08:17:20 INFO: 1 received MsgVoteResp from 1 at term 255',
        'raft2019/09/19 08:17:20 INFO: 1 became candidate at term 255',
        'raft2019/09/19 08:17:20 INFO: 1 is starting a new election at term 254',
        'raft2019/09/19 08:17:19 INFO: 1 [logterm: 2, index: 4] sent MsgVote request to 2 at term 254',
        'raft2019/09/19 08:17:19 INFO: 1 became candidate at term 254',
        'raft2019/09/19 08:17:19 INFO: 1 is starting a new election at term 253',
      ],
    });
    expect(report.findings.map((f) => [f.code, f.nodes, f.evidence.map((e) => e.line)])).toEqual([
      ['NO_LEADER', ['1'], [5]],
      ['ELECTION_STORM', ['1'], [5]],
    ]);
    expect(report.nodes.map((n) => [n.firstTerm, n.lastTerm])).toEqual([[253, 255]]);
  });
});

describe('state reset and identity', () => {
  it('a raft-rs node restarting at term 0 with an empty log after term 5 is STATE_RESET', async () => {
    const report = await run({
      'node-3.log': [
        '2026-11-26T05:00:00.000000Z  INFO raft::raft: became leader at term 5, term: 5, raft_id: 3',
        '2026-11-26T05:10:00.000000Z  INFO raft::raft: newRaft, term: 0, commit: 0, applied: 0, last index: 0, last term: 0, peers: Configuration { incoming: Configuration { voters: {1, 2, 3} }, outgoing: Configuration { voters: {} } }, raft_id: 3',
      ],
    });
    expect(codes(report)).toContain('STATE_RESET');
    expect(report.findings.find((f) => f.code === 'STATE_RESET')!.nodes).toEqual(['3']);
  });

  it('names nodes from the lines, else from the file name without rotation suffixes', async () => {
    const report = await run({
      'consul-server-2.log.1': ['2026-03-14T14:00:00.000Z [INFO]  agent.server.raft: entering follower state: follower="Node at 10.0.0.12:8300 [Follower]" leader-address= leader-id='],
      'worker-7.log': ['2026-11-26T05:00:00.000000Z  WARN app::boot: Raft leader election did not complete within 30 seconds'],
    });
    const nodes = Object.fromEntries(report.files.map((f) => [f.path.split('/').pop(), f.node]));
    expect(nodes).toEqual({ 'consul-server-2.log.1': '10.0.0.12:8300', 'worker-7.log': 'worker-7' });
  });

  it("dates a journald line without the product's own stamp by the file's other lines, not by today's year", async () => {
    const etcd = (at: string, msg: string): string => `Dec 14 10:42:${at.slice(6, 8)} xt1 etcd[5039]: 2016-12-14 ${at}.100000 I | raft: ${msg}`;
    // Three quick attempts, the paste ending before the leader shows: an ordinary re-election in the
    // making. systemd's own line carries the host's year-less, local stamp only.
    const report = await run({
      'journal.log': [
        etcd('02:42:33', '6a36a164fff344ce is starting a new election at term 5'),
        etcd('02:42:33', '6a36a164fff344ce became candidate at term 6'),
        etcd('02:42:34', '6a36a164fff344ce is starting a new election at term 6'),
        etcd('02:42:34', '6a36a164fff344ce became candidate at term 7'),
        etcd('02:42:35', '6a36a164fff344ce is starting a new election at term 7'),
        etcd('02:42:35', '6a36a164fff344ce became candidate at term 8'),
        'Dec 14 10:42:35 xt1 systemd[1]: Started etcd.',
      ],
    });
    expect(report.nodes.map((n) => n.lastSeen)).toEqual(['2016-12-14T02:42:35.100Z']);
    expect(report.findings.filter((f) => f.severity !== 'info').map((f) => f.code)).toEqual([]);
  });

  it('names a container log file after its pod or container when its lines name no node', () => {
    const uid = '5f7c1a3e-2b4d-4c6e-8f90-a1b2c3d4e5f6';
    const id = 'b'.repeat(64);
    expect(nodeNameFromPath(`/var/log/pods/kube-system_etcd-node-1_${uid}/etcd/0.log`)).toBe('etcd-node-1');
    expect(nodeNameFromPath(`/var/log/pods/kube-system_etcd-node-1_${uid}/etcd/0.log.20261126-101010.gz`)).toBe('etcd-node-1');
    expect(nodeNameFromPath(`/var/log/containers/etcd-node-1_kube-system_etcd-${'a'.repeat(64)}.log`)).toBe('etcd-node-1');
    expect(nodeNameFromPath(`/var/lib/docker/containers/${id}/${id}-json.log`)).toBe('bbbbbbbbbbbb');
    expect(nodeNameFromPath('/srv/logs/0.log')).toBe('0');
    // Named after the node's IPv4 address: its last octet is not a rotation number.
    expect(nodeNameFromPath('/srv/logs/10.129.100.233.log')).toBe('10.129.100.233');
    expect(nodeNameFromPath('/srv/logs/10.0.0.5.log.2.gz')).toBe('10.0.0.5');
    expect(nodeNameFromPath('/srv/logs/10.0.0.5.2')).toBe('10.0.0.5');
  });

  it('peels docker-compose, journald and ANSI wrappers', async () => {
    const report = await run({
      'compose.log': [
        'etcd-1  | \u001b[36m2026-11-26 05:00:00.000000 I | etcdserver: starting member dc142bc6b31954a4 in cluster 86a65df387ba25cd\u001b[0m',
        'etcd-1  | raft2026/11/26 05:00:01 INFO: dc142bc6b31954a4 became leader at term 2',
      ],
      'journal.log': [
        'Nov 26 05:00:00 host-b etcd[812]: 2026-11-26 05:00:00.000000 I | etcdserver: starting member b095c6374959d5be in cluster 86a65df387ba25cd',
        'Nov 26 05:00:01 host-b etcd[812]: raft2026/11/26 05:00:01 INFO: raft.node: b095c6374959d5be elected leader dc142bc6b31954a4 at term 2',
      ],
    });
    expect(report.files.map((f) => [f.dialect, f.node])).toEqual([
      ['etcd-capnslog', 'dc142bc6b31954a4'],
      ['etcd-capnslog', 'b095c6374959d5be'],
    ]);
    expect(report.nodes.map((n) => [n.id, n.leaderTerms, n.leadersSeen])).toEqual([
      ['b095c6374959d5be', [], ['dc142bc6b31954a4']],
      ['dc142bc6b31954a4', [2], ['dc142bc6b31954a4']],
    ]);
  });

  it('inspects chronik data dirs: persisted voters join the picture, a node outside them is flagged', async () => {
    const dirs = join(root, 'data');
    mkdirSync(dirs);
    const conf = (index: number, id: number): Entry => ({ type: 'conf-change', term: 1, index, change: { type: 'add-voter', id, addr: `127.0.0.1:${9190 + id}` } });
    createDataDir(join(dirs, 'node-1'), { nodeId: 1, cluster: 'c' }, [conf(1, 1), conf(2, 2), conf(3, 3)], { term: 1, vote: 0, commit: 3 });
    createDataDir(join(dirs, 'node-2'), { nodeId: 2, cluster: 'c' }, [conf(1, 1), conf(2, 2), conf(3, 3)], { term: 1, vote: 0, commit: 3 });
    createDataDir(join(dirs, 'node-4'), { nodeId: 4, cluster: 'c' }, [conf(1, 1), conf(2, 2)], { term: 1, vote: 0, commit: 2 });
    const report = await diagnose([dirs]);
    expect(report.files.map((f) => [f.dialect, f.node])).toEqual([
      ['chronik-data-dir', '1'],
      ['chronik-data-dir', '2'],
      ['chronik-data-dir', '4'],
    ]);
    expect(report.findings.find((f) => f.code === 'NOT_PROMOTABLE')).toMatchObject({ severity: 'critical', nodes: ['4'] });
    expect(report.findings.find((f) => f.code === 'VOTER_MISMATCH')?.nodes).toEqual(['1', '2', '4']);
    expect(report.nodes.find((n) => n.id === '1')?.voters).toEqual(['1', '2', '3']);
  });

  it('reports an unreadable data dir as DATA_DIR_CORRUPT and never reads WAL segments as logs', async () => {
    const dir = join(root, 'broken', 'node-5');
    mkdirSync(join(dir, 'wal'), { recursive: true });
    writeFileSync(join(dir, 'meta.json'), '{"format": 99}');
    writeFileSync(join(dir, 'wal', '0000000000000001.wal'), Buffer.from([0, 1, 2, 3, 0xff]));
    const report = await diagnose([join(root, 'broken')]);
    expect(report.files).toEqual([{ path: dir, dialect: 'chronik-data-dir', node: null, lines: 0 }]);
    expect(codes(report)).toEqual(['DATA_DIR_CORRUPT']);
    expect(report.findings[0]!.evidence[0]!.file).toBe(join(dir, 'meta.json'));
  });
});

describe('--since / --until', () => {
  const now = Date.parse('2026-11-26T06:00:00Z');
  it('takes ISO times and durations meaning "ago"', () => {
    expect(parseTime('2026-11-26T04:00:00Z', '--since', now)).toBe(Date.parse('2026-11-26T04:00:00Z'));
    expect(parseTime('2h', '--since', now)).toBe(now - 7_200_000);
    expect(parseTime('1h30m', '--since', now)).toBe(now - 5_400_000);
    expect(parseTime('2d', '--since', now)).toBe(now - 2 * 86_400_000);
    expect(parseTime(undefined, '--since', now)).toBeUndefined();
    expect(() => parseTime('soon', '--since', now)).toThrow(/invalid --since/);
  });
});

describe('logs cut after start-up', () => {
  it('an etcd log without its start lines is attributed to the member its raft lines name', async () => {
    const id = '8e9e05c52164694d';
    const report = await run({
      'etcd-a.log': [
        zap(1, `${id} became leader at term 5`, id, 'etcdserver/zap_raft.go:77').replace(/,"local-member-id":"[0-9a-f]+"/, ''),
        `{"level":"warn","ts":"2026-11-26T05:00:10.000Z","caller":"wal/wal.go:805","msg":"slow fdatasync","took":"1.5s","expected-duration":"1s"}`,
      ],
    });
    expect(report.files[0]!.node).toBe(id);
    expect(report.nodes.map((n) => n.id)).toEqual([id]);
    expect(report.findings.map((f) => [f.code, f.nodes])).toEqual([['SLOW_DISK', [id]]]);
  });
});

describe('text encodings', () => {
  const source = join(import.meta.dirname, '../fixtures/diagnose/etcd-zap-quorum-lost');
  const summary = (report: DiagnoseReport): unknown => ({
    findings: report.findings.map((f) => [f.code, f.count, f.firstSeen, f.lastSeen, f.evidence.map((e) => e.line)]),
    files: report.files.map((f) => [f.dialect, f.node, f.lines]),
  });

  it('reads UTF-16 (little and big endian, with its byte-order mark, CRLF), plain and gzipped, and UTF-8 with a BOM, as the UTF-8 it stands for', async () => {
    const expected = summary(await diagnose([source]));
    const encodings: Record<string, (text: string) => Buffer> = {
      'utf16le': (text) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text.replace(/\n/g, '\r\n'), 'utf16le')]),
      'utf16be': (text) => Buffer.from([0xfe, 0xff, ...Buffer.from(text, 'utf16le').swap16()]),
      'utf16le-gz': (text) => gzipSync(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])),
      'utf8-bom': (text) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]),
    };
    for (const [name, encode] of Object.entries(encodings)) {
      const dir = join(root, `encoding-${name}`);
      mkdirSync(dir);
      for (const file of ['etcd-1.log', 'etcd-2.log', 'etcd-3.log']) writeFileSync(join(dir, file), encode(readFileSync(join(source, file), 'utf8')));
      expect({ name, ...(summary(await diagnose([dir])) as object) }).toEqual({ name, ...(expected as object) });
    }
  });
});

describe('pathological input', () => {
  it('skips an over-long line without buffering it and keeps counting lines', async () => {
    const dir = join(root, 'long');
    mkdirSync(dir);
    const seed = '2026-11-20T10:00:31.000000Z  INFO chronik_server::raft: no leader at term 0; dropping proposal';
    writeFileSync(join(dir, 'node.log'), Buffer.concat([Buffer.from(`${seed}\n`), Buffer.alloc(3 << 20, 0x41), Buffer.from(`\n${seed}\n`)]));
    const report = await diagnose([dir]);
    expect(report.files[0]!.lines).toBe(3);
    expect(report.findings.find((f) => f.code === 'DROPPED_PROPOSALS')?.evidence.map((e) => e.line)).toEqual([1, 3]);
  });

  it('reads a long line below 1 MiB (larger than one read)', async () => {
    const dir = join(root, 'long-kept');
    mkdirSync(dir);
    const seed = '2026-11-20T10:00:31.000000Z  INFO chronik_server::raft: no leader at term 0; dropping proposal';
    writeFileSync(join(dir, 'node.log'), `${seed}
${seed} ${'A'.repeat(600 << 10)}
${seed}
`);
    const report = await diagnose([dir]);
    expect(report.files[0]!.lines).toBe(3);
    expect(report.findings.find((f) => f.code === 'DROPPED_PROPOSALS')?.count).toBe(3);
  });
});

describe('logs of several products read together', () => {
  const fixture = (name: string): string => join(import.meta.dirname, '../fixtures/diagnose', name);
  // Healthy clusters of each family whose terms and node ids collide (chronik 1-3 and raft-rs 1-3, term 2 led everywhere).
  const HEALTHY = ['etcd-zap-healthy', 'etcd-capnslog-healthy', 'consul-healthy-restart', 'chronik-text-real-healthy', 'tracing-healthy-restart', 'tikv-healthy-restart'];

  it('are never taken for one cluster: healthy ones together stay healthy', async () => {
    for (const name of HEALTHY) expect({ name, codes: warnings(await diagnose([fixture(name)])) }).toEqual({ name, codes: [] });
    const together = await diagnose(HEALTHY.map(fixture));
    expect(warnings(together)).toEqual([]);
    // Groups: a line's cluster or region where it names one, else the product family.
    const groups = new Set(together.nodes.map((n) => n.group));
    for (const family of ['chronik', 'raft-rs', 'hashicorp']) expect(groups).toContain(family);
    expect([...groups].filter((g) => !['chronik', 'raft-rs', 'hashicorp'].includes(g) && !/^[0-9a-f]{16}$/.test(g))).toEqual([]);
  });

  it('a sick cluster among healthy ones is reported with its own nodes only', async () => {
    const alone = await diagnose([fixture('etcd-zap-quorum-lost')]);
    const together = await diagnose([...HEALTHY.map(fixture), fixture('etcd-zap-quorum-lost')]);
    expect(warnings(together)).toEqual(warnings(alone));
    for (const finding of together.findings) expect({ code: finding.code, nodes: finding.nodes }).toEqual({ code: finding.code, nodes: alone.findings.find((f) => f.code === finding.code)?.nodes });
  });
});

function warnings(report: DiagnoseReport): string[] {
  return report.findings.filter((f) => f.severity !== 'info').map((f) => f.code).sort();
}
