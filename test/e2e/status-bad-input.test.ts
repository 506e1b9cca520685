// Bad input to the operator commands, through the real CLI: each case exits with SPEC.md's code and
// one `Error:` line (plus an optional hint), never a stack trace, with and without --json.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Config } from '@oclif/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { chronik, inBatches, ROOT, type CliResult } from './cli.js';
import { TestCluster } from './cluster.js';
import { eventually, http } from './node-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'chronik-bad-input-'));
const unknownKey = join(dir, 'unknown-key.yaml');
const badAddr = join(dir, 'bad-addr.yaml');
writeFileSync(unknownKey, 'cluster: test\nnodez:\n  - { id: 1, addr: 127.0.0.1:25001 }\n');
writeFileSync(badAddr, 'nodes:\n  - { id: 1, addr: 127.0.0.1 }\n');

interface Case {
  name: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  code: number;
  error: RegExp;
}

let closed = '';
const cases: Case[] = [];

beforeAll(async () => {
  closed = `127.0.0.1:${await freePort('e2e')}`;
  cases.push(
    { name: 'malformed endpoint', args: ['status', '--endpoints', 'nowhere'], code: 2, error: /^Error: invalid endpoint "nowhere": expected HOST:PORT$/ },
    { name: 'endpoint port out of range', args: ['status', '--endpoints', '127.0.0.1:70000'], code: 2, error: /^Error: invalid endpoint "127\.0\.0\.1:70000": port must be between 1 and 65535$/ },
    { name: 'malformed CHRONIK_ENDPOINTS', args: ['status'], env: { CHRONIK_ENDPOINTS: '127.0.0.1:1,bad' }, code: 2, error: /^Error: invalid endpoint "bad"/ },
    { name: 'duration without unit', args: ['status', '--timeout', '5'], code: 2, error: /^Error: invalid --timeout "5"$/ },
    { name: 'zero duration', args: ['propose', 'k', 'v', '--timeout', '0s'], code: 2, error: /^Error: invalid --timeout "0s": must be greater than zero$/ },
    { name: 'bad interval', args: ['status', '--watch', '--interval', 'often'], code: 2, error: /^Error: invalid --interval "often"$/ },
    { name: 'unknown config key', args: ['status', '--config', unknownKey], code: 2, error: /^Error: .*unknown-key\.yaml:2: unknown key "nodez"/ },
    { name: 'bad config address', args: ['get', 'k', '--config', badAddr], code: 2, error: /^Error: .*bad-addr\.yaml:2: nodes\.addr: invalid address "127\.0\.0\.1"/ },
    { name: 'missing config file', args: ['status', '--config', join(dir, 'absent.yaml')], code: 2, error: /^Error: cannot read config file .*absent\.yaml: ENOENT$/ },
    { name: 'missing token file', args: ['status', '--token-file', join(dir, 'absent-token')], code: 2, error: /^Error: cannot read token file .*absent-token: ENOENT$/ },
    { name: 'flag without its value', args: ['status', '--endpoints'], code: 2, error: /^Error: Flag --endpoints expects a value$/ },
    { name: 'unknown flag', args: ['status', '--leader'], code: 2, error: /^Error: Nonexistent flag: --leader$/ },
    { name: 'propose without key', args: ['propose'], code: 2, error: /^Error: Missing 1 required arg: key$/ },
    { name: 'propose without value', args: ['propose', 'k'], code: 2, error: /^Error: missing value$/ },
    { name: 'propose with value and file', args: ['propose', 'k', 'v', '--file', '-'], code: 2, error: /^Error: give the value either as an argument or with --file, not both$/ },
    { name: 'propose from a missing file', args: ['propose', 'k', '--file', join(dir, 'absent-value')], code: 2, error: /^Error: cannot read .*absent-value: ENOENT$/ },
    { name: 'get without key', args: ['get'], code: 2, error: /^Error: Missing 1 required arg: key$/ },
    { name: 'add-voter without address', args: ['add-voter', '4'], code: 2, error: /^Error: invalid peer "4": expected ID@HOST:PORT$/ },
    { name: 'add-voter with a bad id', args: ['add-voter', 'x@127.0.0.1:25001'], code: 2, error: /^Error: invalid peer id in "x@127\.0\.0\.1:25001"/ },
    { name: 'add-voter with a bad port', args: ['add-voter', '4@127.0.0.1:99999'], code: 2, error: /port must be between 1 and 65535$/ },
    { name: 'remove-voter with a bad id', args: ['remove-voter', 'three'], code: 2, error: /^Error: invalid node id "three": expected a positive integer$/ },
    { name: 'transfer-leader to id 0', args: ['transfer-leader', '0'], code: 2, error: /^Error: invalid node id "0": expected a positive integer$/ },
    { name: 'status with nothing listening', args: ['status', '--endpoints', closed], code: 1, error: new RegExp(`^Error: no endpoint answered: ${closed} \\(connection refused\\)$`) },
    { name: 'propose with nothing listening', args: ['propose', 'k', 'v', '--endpoints', closed, '--timeout', '2s'], code: 1, error: new RegExp(`^Error: no endpoint answered: ${closed} \\(connection refused\\)$`) },
    { name: 'get with nothing listening', args: ['get', 'k', '--stale', '--endpoints', closed, '--timeout', '2s'], code: 1, error: /^Error: no endpoint answered/ },
    { name: 'add-voter with nothing listening', args: ['add-voter', `4@${closed}`, '--endpoints', closed, '--timeout', '2s'], code: 1, error: /^Error: no endpoint answered/ },
  );
});

function expectOneLineError(result: CliResult, expected: Case): void {
  const lines = result.stderr.trimEnd().split('\n');
  const context = `${expected.name}: ${result.stderr}`;
  expect(result.code, context).toBe(expected.code);
  expect(lines[0], context).toMatch(expected.error);
  // At most the error and one hint line; never a stack.
  expect(lines.length, context).toBeLessThanOrEqual(2);
  if (lines[1] !== undefined) expect(lines[1], context).toMatch(/^Hint: /);
  expect(result.stderr, context).not.toMatch(/^\s+at /m);
}

describe('bad input', () => {
  it('exits with the documented code and one line, without and with --json', async () => {
    const runs = await inBatches(
      cases.flatMap((c) => [{ c, json: false }, { c, json: true }]),
      4,
      async ({ c, json }) => ({ c, json, result: await chronik(json ? [...c.args, '--json'] : c.args, { env: c.env }) }),
    );
    for (const { c, json, result } of runs) {
      expectOneLineError(result, c);
      if (json) {
        const document = JSON.parse(result.stdout) as { error: { message: string; exitCode: number } };
        expect(document.error.exitCode, c.name).toBe(c.code);
        expect(`Error: ${document.error.message}`, c.name).toMatch(c.error);
      } else {
        expect(result.stdout, c.name).toBe('');
      }
    }
  }, 240_000);
});

describe('credentials', () => {
  const cluster = new TestCluster();
  const secret = 'e2e-secret-token';
  let endpoint = '';

  beforeAll(async () => {
    const [port] = await TestCluster.ports(1);
    const node = cluster.node({ id: 1, port: port!, token: secret });
    await node.start();
    endpoint = node.endpoint;
    // The checks below expect a healthy cluster: the CLI now starts faster than the node's first election.
    await eventually(async () => ((await http(endpoint, 'GET', '/v1/status', undefined, secret)).body.role === 'leader' ? true : undefined), 30_000, 'node 1 to lead');
  }, 60_000);

  afterAll(async () => {
    await cluster.remove();
  });

  it('uses CHRONIK_TOKEN or --token-file, and never prints a token', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${secret}\n`);
    const [withFile, withEnv, without, wrong, wrongPropose] = await inBatches(
      [
        { args: ['status', '--endpoints', endpoint, '--token-file', tokenFile, '--json'] },
        { args: ['propose', 'k', 'v', '--endpoints', endpoint], env: { CHRONIK_TOKEN: secret } },
        { args: ['status', '--endpoints', endpoint] },
        { args: ['status', '--endpoints', endpoint, '--json'], env: { CHRONIK_TOKEN: 'not-the-token' } },
        { args: ['propose', 'k', 'v', '--endpoints', endpoint], env: { CHRONIK_TOKEN: 'not-the-token' } },
      ],
      3,
      (run) => chronik(run.args, { env: run.env }),
    );
    expect(withFile!.code, withFile!.stderr).toBe(0);
    expect(JSON.parse(withFile!.stdout).healthy).toBe(true);
    expect(withEnv!.code, withEnv!.stderr).toBe(0);
    for (const refused of [without!, wrong!, wrongPropose!]) {
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(`Error: ${endpoint} refused the request: unauthorized\nHint: set CHRONIK_TOKEN or --token-file to the cluster token\n`);
      expect(refused.stdout + refused.stderr).not.toContain('not-the-token');
    }
    expect(withFile!.stdout + withFile!.stderr + withEnv!.stdout + withEnv!.stderr).not.toContain(secret);
  }, 60_000);
});

describe('help and completion', () => {
  it('gives every operator command a summary and examples', async () => {
    const config = await Config.load(ROOT);
    for (const id of ['status', 'add-voter', 'remove-voter', 'transfer-leader', 'propose', 'get']) {
      const command = config.findCommand(id);
      expect(command?.summary, id).toBeTruthy();
      expect(command?.examples?.length, id).toBeGreaterThan(0);
    }
  });

  it('completes command names in bash through the autocomplete plugin', async () => {
    const home = mkdtempSync(join(tmpdir(), 'chronik-home-'));
    const env = { HOME: home, XDG_CACHE_HOME: join(home, '.cache') };
    const refresh = await chronik(['autocomplete', '--refresh-cache'], { env });
    expect(refresh.code, refresh.stderr).toBe(0);
    const result = await chronik(['autocomplete', 'script', 'bash'], { env });
    expect(result.code, result.stderr).toBe(0);
    const setup = /CHRONIK_AC_BASH_SETUP_PATH=(\S+)/.exec(result.stdout)?.[1];
    expect(setup).toBeDefined();
    const completion = spawnSync('bash', ['-c', `source ${setup}; COMP_WORDS=(chronik add-); COMP_CWORD=1; COMP_LINE='chronik add-'; _chronik_autocomplete; echo "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
    expect(completion.stdout.trim()).toBe('add-voter');
  }, 60_000);
});
