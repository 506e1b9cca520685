// The envelope layer (lineshape.ts) peels any nesting of wrappers down to the message body, and the
// template layer recognises a library's message whatever envelope carried it, in a file whose
// envelope is known to no dialect.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/diagnose/index.js';
import { shapeLine } from '../../src/diagnose/lineshape.js';

const RUN = join(import.meta.dirname, '../../bin/run.js');
const chronik = (args: string[]): { stdout: string } => spawnSync(process.execPath, [RUN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

const BODY = '8e9e05c52164694d is starting a new election at term 355';

// The same etcd-io/raft body under the envelopes operators paste it in.
const WRAPPED: [string, string, { time?: string; level?: string; source?: string }][] = [
  ['Go std log (etcd 2.x)', `2015/10/16 07:51:44 raft: ${BODY}`, { time: '2015-10-16T07:51:44.000Z' }],
  ['syslog/journald short, host and program, no level', `Jul 18 09:22:53 node2 etcd[1234]: raft: ${BODY}`, { source: 'node2' }],
  ['syslog around capnslog', `Jul 18 09:22:53 node2 etcd: 2016-07-18 09:22:53.123456 I | raft: ${BODY}`, { level: 'INFO', source: 'node2', time: '2016-07-18T09:22:53.123Z' }],
  ['docker log-driver tag', `Mar  3 10:00:01 host1 quay.io/coreos/etcd:v3.3.10|etcd2|0123456789ab[812]: 2019-03-03 10:00:01.000001 W | raft: ${BODY}`, { level: 'WARN', source: 'etcd2' }],
  ['compose prefix around zap JSON', `etcd1  | {"level":"info","ts":"2020-05-01T10:00:00.000Z","caller":"raft/raft.go:923","msg":"${BODY}"}`, { level: 'INFO', source: 'etcd1', time: '2020-05-01T10:00:00.000Z' }],
  ['logrus text (SwarmKit)', `time="2017-02-06T17:09:49.311945162Z" level=info msg="${BODY}" module=raft node.id=ozoxxy`, { level: 'INFO', time: '2017-02-06T17:09:49.311Z' }],
  ['logrus behind journald (dockerd)', `Feb 06 17:09:49 mgr1 dockerd[901]: time="2017-02-06T17:09:49.311945162Z" level=warning msg="${BODY}" module=raft`, { level: 'WARN', source: 'mgr1' }],
  ['klog header', `I0718 09:22:53.123456    1 raft.go:988] ${BODY}`, { level: 'INFO' }],
  ['TiKV bracketed (PD embeds etcd)', `[2020/05/01 10:00:00.000 +08:00] [INFO] [raft.go:923] ["${BODY}"]`, { level: 'INFO', time: '2020-05-01T02:00:00.000Z' }],
  ['pager line end', `2015/10/16 07:51:44 raft: ${BODY}$`, {}],
  ['a UI prefix before the line', `etcd-0 etcd 2020-05-01 10:00:00.000000 I | raft: ${BODY}`, { level: 'INFO', time: '2020-05-01T10:00:00.000Z' }],
  ['no timestamp at all', BODY, {}],
  ['a CSV export row (pod, line)', `"etcd-0","2015/10/16 07:51:44 raft: ${BODY}"`, { source: 'etcd-0', time: '2015-10-16T07:51:44.000Z' }],
  ['a Kibana CSV row (time, host, line)', `"Oct 16, 2015 @ 07:51:44.000","etcd-2","2015/10/16 07:51:44 raft: ${BODY}"`, { source: 'etcd-2' }],
  ['a Markdown quote around syslog with a priority', `> <30>Jul 18 09:22:53 node2 etcd[1234]: raft: ${BODY}`, { source: 'node2' }],
  ['a paste wrapped in Markdown bold around journald', `**Dec 14 10:42:33 xt1 docker: 2016-12-14 02:42:33.263136 E | raft: ${BODY}`, { level: 'ERROR', source: 'xt1' }],
  ['etcd 0.4: the program in brackets before a year-less stamp', `[etcd] Jul 30 20:50:13.509 INFO      | app01: ${BODY}`, { level: 'INFO' }],
  ["a Go logger's bracketed prefix before the std-log date", `Jan 11 12:56:55 coreos01 docker[12948]: [metastore] 2016/01/11 12:56:55 ${BODY}`, { source: 'coreos01', time: '2016-01-11T12:56:55.000Z' }],
  ['grep -rn over several files', `logs/etcd-3.log:1204:2015/10/16 07:51:44 raft: ${BODY}`, { source: 'etcd-3' }],
  ['docker service logs', `etcd.1.x2b9abc@node-3    | 2015/10/16 07:51:44 raft: ${BODY}`, { source: 'etcd.1.x2b9abc@node-3' }],
  ['CockroachDB glog with a year', `I160413 05:12:22.220802 raft/raft.go:549  [group 1] ${BODY}`, { level: 'INFO', time: '2016-04-13T05:12:22.220Z' }],
  ['PD 2.x file and level before a bracketed body', `2018/12/11 07:01:40.315 log.go:88: [info] raft: [${BODY}]`, { level: 'INFO' }],
  ['Go time of day without a date', `[raft]07:40:46.544269 ${BODY}`, {}],
  ['JSON records run together in a paste', `3e","rtt":"1ms"}{"level":"info","ts":"2020-05-01T10:00:00.000Z","caller":"raft/raft.go:923","msg":"${BODY}","extra":"cut he`, { level: 'INFO', time: '2020-05-01T10:00:00.000Z' }],
];

describe('the envelope layer', () => {
  for (const [name, line, want] of WRAPPED) {
    it(`peels ${name}`, () => {
      const shape = shapeLine(line);
      expect(shape.message).toContain(BODY);
      expect(shape.message.endsWith('$')).toBe(false);
      if (want.time !== undefined) expect(new Date(shape.time!).toISOString()).toBe(want.time);
      if (want.level !== undefined) expect(shape.level).toBe(want.level);
      if (want.source !== undefined) expect(shape.source).toBe(want.source);
    });
  }

  it('reads logrus fields and the hclog level inside a logrus msg', () => {
    const shape = shapeLine('time="2020-01-01T00:00:00Z" level=info msg="[WARN]  raft: Election timeout reached, restarting election" module=raft node.id=abc');
    expect(shape.level).toBe('WARN');
    expect(shape.message).toBe('raft: Election timeout reached, restarting election');
    expect(shape.json?.['node.id']).toBe('abc');
  });
});

describe('recognition by template, whatever the envelope', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chronik-envelope-'));

  it('reads the election under every envelope as the same campaign (unknown envelope included)', async () => {
    const file = join(dir, 'pasted.log');
    writeFileSync(file, `${WRAPPED.map(([, line]) => line).join('\n')}\n`);
    const report = await diagnose([file]);
    const node = report.nodes.find((n) => n.id === '8e9e05c52164694d');
    expect(node?.electionsStarted).toBe(WRAPPED.length);
    expect(node?.lastTerm).toBe(355);
  });

  it('sees a cluster ID mismatch said in so many words in a file no dialect knows', async () => {
    const file = join(dir, 'mismatch.log');
    writeFileSync(
      file,
      [
        'Jul 18 09:22:53 node2 etcd[812]: request cluster ID mismatch (got 1bd4c4fbd6b7c9b1 want 7e27652122e8b2ae)',
        'Jul 18 09:22:54 node2 etcd[812]: request cluster ID mismatch (got 1bd4c4fbd6b7c9b1 want 7e27652122e8b2ae)',
      ].join('\n'),
    );
    const report = await diagnose([file]);
    expect(report.findings.map((f) => f.code)).toContain('CLUSTER_ID_MISMATCH');
  });

  it('reads hashicorp/raft lines of a product with its own envelope (NATS Streaming)', async () => {
    const file = join(dir, 'nats.log');
    writeFileSync(
      file,
      [
        '[1] 2019/11/05 13:47:50.178734 [WRN] STREAM: raft: Heartbeat timeout from "" reached, starting election',
        '[1] 2019/11/05 13:47:50.178800 [INF] STREAM: raft: Node at nats-1:6222 [Candidate] entering Candidate state in term 12',
      ].join('\n'),
    );
    const report = await diagnose([file]);
    expect(report.nodes.some((n) => n.electionsStarted >= 1)).toBe(true);
  });
});

describe('what was not understood', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chronik-unrecognised-'));
  const lines = [
    '2024-01-02T10:00:00.000Z INFO 8e9e05c52164694d became leader at term 3',
    ...Array.from({ length: 7 }, (_, i) => `2024-01-02T10:00:0${i + 1}.000Z WARN replicator: peer 3 is lagging behind the leader by ${1000 * (i + 1)} entries`),
    '2024-01-02T10:00:09.000Z INFO http: served /metrics in 2ms',
  ];
  const file = join(dir, 'app.log');
  writeFileSync(file, `${lines.join('\n')}\n`);

  it('counts the Raft-looking lines no template matched, with up to 5 examples', async () => {
    const report = await diagnose([file]);
    expect(report.unrecognised.count).toBe(7);
    expect(report.unrecognised.examples.map((e) => e.line)).toEqual([2, 3, 4, 5, 6]);
    expect(report.unrecognised.examples[0]!.text).toBe(lines[1]);
  });

  it('says so in the human report and in --json', () => {
    const human = chronik(['diagnose', file]);
    expect(human.stdout).toContain('Not understood: 7 line(s) looked like Raft');
    const json = JSON.parse(chronik(['diagnose', file, '--json']).stdout);
    expect(json.unrecognised.count).toBe(7);
    expect(json.unrecognised.examples).toHaveLength(5);
  });
});
