// Membership through the real CLI against real nodes on loopback: grow one node to three with
// --join + add-voter, roll back an add that cannot finish, remove and re-add a voter, then lose the
// original node and still read every key. Run over plain HTTP and over mutual TLS (https:// endpoints and
// ID@https:// members, the operator's --cacert/--cert/--key, each member its own certificate).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterReport, MemberId } from '../../src/client/cluster-status.js';
import { chronik as run, startChronik as start, type CliResult } from './cli.js';
import { TestCluster, type TestNode } from './cluster.js';
import { makeWire, WIRES, type Wire } from './wire.js';

interface MembershipJson {
  changed: boolean;
  voters: { id: number; addr: string }[];
  learners: { id: number; addr: string }[];
  warnings?: string[];
}

describe.each(WIRES)('membership changes through the CLI (%s)', (kind) => {
  let wire: Wire;
  let cluster: TestCluster;
  let first: TestNode;
  let second: TestNode;
  let third: TestNode;
  let closedPort = 0;
  const written = new Map<string, string>();

  /** A client command as the operator types it on this wire (TLS: the operator's flags). */
  const chronik = (args: string[]): Promise<CliResult> => run([...args, ...wire.operatorFlags]);
  const startChronik = (args: string[]): ReturnType<typeof start> => start([...args, ...wire.operatorFlags]);
  /** HOST:PORT of a port nobody listens on, as written on the command line, and as the CLI names it. */
  const closed = (offset = 0): string => wire.url(`127.0.0.1:${closedPort + offset}`);
  const all = (): string => [first, second, third].map((n) => n.url).join(',');

  async function propose(key: string, value: string, endpoints: string): Promise<void> {
    const result = await chronik(['propose', key, value, '--endpoints', endpoints]);
    expect(result.code, result.stderr).toBe(0);
    written.set(key, value);
  }

  beforeAll(async () => {
    wire = makeWire(kind, 3);
    cluster = new TestCluster(wire);
    const [p1, p2, p3, p4] = await TestCluster.ports(4);
    closedPort = p4!;
    first = cluster.node({ id: 1, port: p1! });
    second = cluster.node({ id: 2, port: p2!, join: true });
    third = cluster.node({ id: 3, port: p3!, join: true });
    await first.start();
    await Promise.all([second.start(), third.start()]);
  }, 60_000);

  afterAll(async () => {
    await cluster.remove();
    await wire.close();
  });

  it('refuses to remove the only voter', async () => {
    await propose('k/1', 'one', first.url);
    const result = await chronik(['remove-voter', '1', '--endpoints', first.url]);
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')[0]).toBe('Error: node 1 is the last voter; removing it would leave a cluster that can never elect a leader');
  }, 120_000);

  it('grows one node to three with --join and add-voter, idempotently', async () => {
    const joining = await chronik(['status', '--endpoints', all(), '--json']);
    const waiting = (JSON.parse(joining.stdout) as ClusterReport).nodes.filter((n) => n.member === 'none').map((n) => n.id);
    expect(waiting).toEqual([2, 3]);

    const add2 = await chronik(['add-voter', `2@${second.url}`, '--endpoints', first.url]);
    expect(add2.code, add2.stderr).toBe(0);
    expect(add2.stdout).toBe(`node 2 is now a voter\nvoters: 1@${first.endpoint}, 2@${second.endpoint}\n`);
    await propose('k/2', 'two', second.url);

    const add3 = await chronik(['add-voter', `3@${third.url}`, '--endpoints', second.url, '--json']);
    expect(add3.code, add3.stderr).toBe(0);
    const result = JSON.parse(add3.stdout) as MembershipJson;
    expect(result.changed).toBe(true);
    expect(result.voters.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(result.learners).toEqual([]);

    const again = await chronik(['add-voter', `3@${third.url}`, '--endpoints', first.url, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: false, voters: result.voters });

    const moved = await chronik(['add-voter', `3@${closed()}`, '--endpoints', first.url]);
    expect(moved.code).toBe(1);
    expect(moved.stderr.split('\n')[0]).toBe(`Error: node 3 is already a voter at ${third.endpoint}, not 127.0.0.1:${closedPort}`);

    const report = JSON.parse((await chronik(['status', '--endpoints', first.url, '--json'])).stdout) as ClusterReport;
    expect(report).toMatchObject({ healthy: true, voters: [1, 2, 3], problems: [] });
  }, 180_000);

  it('rolls the learner back when the new node does not answer, and says how to start it', async () => {
    const result = await chronik(['add-voter', `4@${closed()}`, '--endpoints', all(), '--timeout', '3s']);
    expect(result.code).toBe(1);
    const tls = kind === 'tls' ? ' --cert-file node4.pem --key-file node4-key.pem --client-ca-file ca.pem --peer-ca-file ca.pem' : '';
    const start = `chronik bootstrap --node-id 4 --listen 127.0.0.1:${closedPort} --join${tls}`;
    expect(result.stderr).toContain(`node 4 at 127.0.0.1:${closedPort} does not answer (connection refused); start it with:\n  ${start}\n`);
    expect(result.stderr).toContain(`Error: node 4 at 127.0.0.1:${closedPort} did not answer (connection refused); removed learner 4 again\nHint: start it first: ${start}\n`);
    const report = JSON.parse((await chronik(['status', '--endpoints', all(), '--json'])).stdout) as ClusterReport;
    expect(report).toMatchObject({ voters: [1, 2, 3], learners: [] });
  }, 120_000);

  it('refuses a second add-voter while a learner waits, and removes a learner left by a killed add-voter', async () => {
    const first = startChronik(['add-voter', `4@${closed()}`, '--endpoints', all(), '--timeout', '2m']);
    const deadline = Date.now() + 60_000;
    let learners: MemberId[] = [];
    while (!learners.includes(4) && Date.now() < deadline) {
      learners = (JSON.parse((await chronik(['status', '--endpoints', all(), '--json'])).stdout) as ClusterReport).learners;
    }
    expect(learners).toEqual([4]);
    const second = await chronik(['add-voter', `5@${closed(1)}`, '--endpoints', all(), '--timeout', '2s']);
    expect(second.code).toBe(1);
    expect(second.stderr.split('\n')[0]).toBe(`Error: another membership change is in flight: learner 4 (127.0.0.1:${closedPort}) has not been promoted yet`);

    // The operator's first command dies before it can roll back: the learner stays until removed.
    first.kill('SIGKILL');
    await first.result;
    const removed = await chronik(['remove-voter', '4', '--endpoints', all(), '--json']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(JSON.parse(removed.stdout)).toMatchObject({ changed: true, learners: [] });
  }, 180_000);

  it('removes a voter with a warning about the even count, and adds it back', async () => {
    const removed = await chronik(['remove-voter', '3', '--endpoints', all(), '--json']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stderr).toBe('Warning: 2 voters cannot tolerate any failure: losing one stops the cluster\n');
    expect((JSON.parse(removed.stdout) as MembershipJson).voters.map((m) => m.id)).toEqual([1, 2]);
    await propose('k/3', 'three', all());

    const gone = await chronik(['remove-voter', '3', '--endpoints', all()]);
    expect(gone.code).toBe(1);
    expect(gone.stderr.split('\n')[0]).toBe('Error: node 3 is not a member (voters: 1, 2)');

    const readded = await chronik(['add-voter', `3@${third.url}`, '--endpoints', all(), '--json', '--timeout', '20s']);
    expect(readded.code, readded.stderr).toBe(0);
    expect((JSON.parse(readded.stdout) as MembershipJson).voters.map((m) => m.id)).toEqual([1, 2, 3]);
  }, 180_000);

  it('keeps every key after the original node is lost', async () => {
    await propose('k/4', 'four', all());
    await first.stop('SIGKILL');
    const survivors = [second, third].map((n) => n.url).join(',');
    for (const [key, value] of written) {
      const read = await chronik(['get', key, '--endpoints', survivors, '--json', '--timeout', '10s']);
      expect(read.code, read.stderr).toBe(0);
      expect(JSON.parse(read.stdout)).toMatchObject({ key, value });
    }
    const report = JSON.parse((await chronik(['status', '--endpoints', all(), '--json'])).stdout) as ClusterReport;
    expect(report.healthy).toBe(true);
    expect([2, 3]).toContain(report.leader);
    expect(report.problems.map((p) => p.code)).toEqual(['VOTER_UNREACHABLE']);
  }, 180_000);
});
