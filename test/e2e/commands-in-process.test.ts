// The operator commands run in process through oclif (@oclif/test's runCommand) against real nodes:
// under --json each prints exactly the result it returns, and SPEC.md's exit codes (0/1/2/3) hold with
// and without --json. (test/e2e covers the spawned binary; here the command's behaviour is the point.)
import { fileURLToPath } from 'node:url';
import { runCommand } from '@oclif/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster, type TestNode } from './cluster.js';
import { eventually, http } from './node-harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
process.env.NO_COLOR = '1';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  result: unknown;
}

/** One command line (no argument may contain a space: runCommand re-splits them). */
async function chronik(...args: string[]): Promise<Run> {
  process.exitCode = undefined;
  const { stdout, stderr, result } = await runCommand(args, { root: ROOT });
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, stdout, stderr, result };
}

/** The command's one-line error, and under --json the error document naming the same exit code. */
function expectError(run: Run, json: boolean, code: number, message: RegExp): void {
  expect(run.code, run.stderr).toBe(code);
  expect(run.stderr.split('\n')[0]).toMatch(message);
  if (json) expect(JSON.parse(run.stdout).error).toMatchObject({ exitCode: code });
  else expect(run.stdout).toBe('');
}

describe('commands in process', () => {
  const cluster = new TestCluster();
  let leader: TestNode;
  let joiner: TestNode;

  beforeAll(async () => {
    const [one, two] = await TestCluster.ports(2);
    leader = cluster.node({ id: 1, port: one! });
    joiner = cluster.node({ id: 2, port: two!, join: true });
    await Promise.all([leader.start(), joiner.start()]);
    await eventually(async () => ((await http(leader.endpoint, 'GET', '/v1/status')).body.role === 'leader' ? true : undefined), 30_000, 'node 1 to lead');
  }, 60_000);

  afterAll(async () => {
    await cluster.remove();
  });

  it('returns what --json prints: propose, get, transfer-leader, status', async () => {
    const proposed = await chronik('propose', 'brokers/1', 'host=a', '--endpoints', leader.endpoint, '--json');
    expect(proposed.code, proposed.stderr).toBe(0);
    expect(proposed.result).toMatchObject({ key: 'brokers/1', leader: 1 });
    expect(JSON.parse(proposed.stdout)).toEqual(proposed.result);

    const read = await chronik('get', 'brokers/1', '--endpoints', leader.endpoint, '--json');
    expect(read.code, read.stderr).toBe(0);
    expect(JSON.parse(read.stdout)).toEqual(read.result);
    expect(read.result).toMatchObject({ key: 'brokers/1', value: 'host=a' });

    const transfer = await chronik('transfer-leader', '1', '--endpoints', leader.endpoint, '--json');
    expect(transfer.code, transfer.stderr).toBe(0);
    expect(JSON.parse(transfer.stdout)).toEqual({ changed: false, leader: 1, term: expect.any(Number) });

    const status = await chronik('status', '--endpoints', leader.endpoint, '--json');
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual(status.result);
    expect(status.result).toMatchObject({ healthy: true, leader: 1, voters: [1] });
  });

  it('prints human output without --json, and nothing else on stdout', async () => {
    const read = await chronik('get', 'brokers/1', '--endpoints', leader.endpoint);
    expect(read).toMatchObject({ code: 0, stdout: 'host=a\n', stderr: '' });
    const proposed = await chronik('propose', 'brokers/2', 'host=b', '--endpoints', leader.endpoint);
    expect(proposed.stdout).toMatch(/^committed brokers\/2 at index \d+ \(term \d+, leader 1\)\n$/);
  });

  it.each([false, true])('keeps exit 3 for an unhealthy status (--json: %s)', async (json) => {
    // A --join node alone knows no voters: the status verdict is "no voters", exit 3, not 1.
    const run = await chronik('status', '--endpoints', joiner.endpoint, ...(json ? ['--json'] : []));
    expect(run.code, run.stderr).toBe(3);
    if (json) expect(JSON.parse(run.stdout)).toMatchObject({ healthy: false, voters: [] });
    else expect(run.stdout).toMatch(/NO VOTERS KNOWN/);
  });

  it.each([false, true])('keeps exit 1 for a failed operation and 2 for bad input (--json: %s)', async (json) => {
    const flag = json ? ['--json'] : [];
    expectError(await chronik('get', 'absent', '--endpoints', leader.endpoint, ...flag), json, 1, /^Error: key "absent" not found$/);
    expectError(await chronik('remove-voter', '1', '--endpoints', leader.endpoint, ...flag), json, 1, /^Error: node 1 is the last voter/);
    expectError(await chronik('propose', 'k', ...flag), json, 2, /^Error: missing value$/);
    expectError(await chronik('status', '--endpoints', 'nowhere', ...flag), json, 2, /^Error: invalid endpoint "nowhere"/);
    expectError(await chronik('status', '--data-dir', `${cluster.dir}/absent`, ...flag), json, 2, /^Error: data dir .* does not exist$/);
  });
});
