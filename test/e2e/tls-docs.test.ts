// The TLS set-up of docs/node.md and docs/operator-commands.md done as a reader would, from the docs' own
// text: the openssl block makes the CA and pairs (and, run again with MEMBERS=4:IP, member 4's pair without
// touching the CA), each member starts in its own directory holding only what the docs say to copy there,
// with the documented bootstrap line and the token the docs make; the operator runs the documented status
// line, then the documented shell block (environment, status, propose, add-voter of member 4) and the
// documented YAML; then, three of four members lost, the commands `recover plan --tls` prints bring it back.
// The docs' 10.0.0.N:9192 become 127.0.0.1N on one free port, /etc/chronik/token a file named token.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, REPO, removeDir, RUN, spawnChronik, tempDir, type NodeProcess } from '../support/cluster.js';
import { freePort } from '../support/ports.js';
import type { RecoveryPlan } from '../../src/shared/recovery.js';
import { operatorEnv, runProcess, type CliResult } from './cli.js';
import { eventually } from './node-harness.js';
import { documentedSetup, sh } from './tls-certs.js';

const root = tempDir('tls-docs');
let port = 0;

beforeAll(async () => {
  port = await freePort('e2e');
});

afterAll(async () => {
  await killAll();
  removeDir(root);
});

/** The indented (4-space) code blocks of the section under `heading` (not fenced ones), continuation lines joined. */
function codeBlocks(file: string, heading: string): string[] {
  const doc = readFileSync(join(REPO, file), 'utf8');
  const start = doc.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`${file} has no "${heading}"`);
  const section = doc.slice(start + heading.length + 2).split(/\n#{2,3} /)[0] as string;
  const blocks: string[] = [];
  let current: string[] = [];
  let fenced = false;
  for (const line of `${section}\n`.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    if (!fenced && line.startsWith('    ')) current.push(line.slice(4));
    else if (current.length > 0) {
      blocks.push(current.join('\n').replace(/\\\n\s*/g, ''));
      current = [];
    }
  }
  return blocks;
}

/** The docs' member addresses and token file, on this machine. */
function onLoopback(text: string): string {
  return text.replace(/10\.0\.0\.(\d+):9192/g, (_, n: string) => `127.0.0.1${n}:${port}`).replaceAll('/etc/chronik/token', 'token');
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runProcess(command, args, { cwd, env: operatorEnv(env) });
}

/** A shell line from the docs, `chronik` being this build. */
function shell(script: string, cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return run('bash', ['-euo', 'pipefail', '-c', `chronik() { "${process.execPath}" "${RUN}" "$@"; }\n${script}`], cwd, env);
}

/** A host with the files the docs copy there (the token goes everywhere). */
function host(name: string, files: string[]): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const file of [...files, 'token']) copyFileSync(join(root, 'certs', file), join(dir, file));
  return dir;
}

/** The one indented block of `blocks` that starts with `start`. */
function block(blocks: string[], start: string): string {
  const found = blocks.filter((text) => text.startsWith(start));
  if (found.length !== 1) throw new Error(`expected one code block starting with "${start}", found ${found.length}`);
  return found[0] as string;
}

describe('the documented TLS cluster from scratch', { timeout: 120_000 }, () => {
  const members: NodeProcess[] = [];
  it('comes up, answers the documented operator commands, environment and YAML, and takes a fourth member', async () => {
    const certs = join(root, 'certs');
    mkdirSync(certs);
    sh(certs, documentedSetup(), { MEMBERS: '1:127.0.0.11 2:127.0.0.12 3:127.0.0.13' });
    const ca = readFileSync(join(certs, 'ca.pem'), 'utf8');
    const operatorPair = readFileSync(join(certs, 'operator.pem'), 'utf8');
    // Member 4 later: the same block again keeps the CA and the operator's pair.
    sh(certs, documentedSetup(), { MEMBERS: '4:127.0.0.14' });
    expect(readFileSync(join(certs, 'ca.pem'), 'utf8')).toBe(ca);
    expect(readFileSync(join(certs, 'operator.pem'), 'utf8')).toBe(operatorPair);

    const nodeDoc = codeBlocks('docs/node.md', '### A TLS cluster from scratch');
    const tokenResult = await shell(onLoopback(block(nodeDoc, 'openssl rand')), certs);
    expect(tokenResult.code, tokenResult.stderr).toBe(0);
    const bootstrap = block(nodeDoc, 'chronik bootstrap');
    expect(bootstrap).toMatch(/^chronik bootstrap --node-id 1 --listen 10\.0\.0\.1:9192 --peers \S+ /);
    /** The documented line for member 1, written for member n as the docs ask ("N = 1, 2, 3"). */
    const memberLine = (n: number, membership: string): string[] =>
      onLoopback(
        bootstrap
          .replace('--node-id 1 --listen 10.0.0.1:9192', `--node-id ${n} --listen 10.0.0.${n}:9192`)
          .replace(/--peers \S+/, membership)
          .replaceAll('node1', `node${n}`),
      )
        .split(/\s+/)
        .slice(1);
    for (const n of [1, 2, 3]) {
      const peers = [1, 2, 3].filter((p) => p !== n).map((p) => `${p}@https://10.0.0.${p}:9192`).join(',');
      members.push(spawnChronik(memberLine(n, `--peers ${peers}`), {}, host(`member-${n}`, ['ca.pem', `node${n}.pem`, `node${n}-key.pem`])));
    }
    const operator = host('operator', ['ca.pem', 'operator.pem', 'operator-key.pem']);

    // docs/node.md's status line.
    const statusLine = block(nodeDoc, 'chronik status');
    expect(statusLine).toMatch(/^chronik status --endpoints https:\/\/10\.0\.0\.1:9192 --cacert ca\.pem/);
    const status = await eventually(async () => {
      const result = await shell(onLoopback(statusLine), operator);
      return result.code === 0 ? result : undefined;
    }, 60_000, 'the documented status line to report a healthy cluster');
    expect(status.stdout).toMatch(/healthy: leader \d at term \d+, 3\/3 voters reachable/);

    // docs/operator-commands.md: the environment, status, propose, and add-voter of member 4 started with --join.
    const [session, yaml] = codeBlocks('docs/operator-commands.md', '## A TLS cluster from scratch');
    expect(session).toContain('chronik add-voter 4@https://10.0.0.4:9192');
    members.push(spawnChronik(memberLine(4, '--join'), {}, host('member-4', ['ca.pem', 'node4.pem', 'node4-key.pem'])));
    const walked = await shell(onLoopback(session as string), operator);
    expect(walked.code, walked.stderr).toBe(0);
    expect(walked.stdout).toMatch(/committed app\/mode at index \d+/);
    expect(walked.stdout).toContain('node 4 is now a voter');

    writeFileSync(join(operator, 'cluster.yaml'), `${onLoopback(yaml as string)}\n`);
    const fromYaml = await shell('chronik get app/mode --config cluster.yaml && chronik status --config cluster.yaml --json', operator);
    expect(fromYaml.code, fromYaml.stderr).toBe(0);
    const [value, json] = [fromYaml.stdout.slice(0, fromYaml.stdout.indexOf('\n')), fromYaml.stdout.slice(fromYaml.stdout.indexOf('\n') + 1)];
    expect(value).toBe('blue');
    expect(JSON.parse(json)).toMatchObject({ healthy: true, voters: [1, 2, 3, 4] });
  });

  it('after losing three of its four members, comes back with the commands recover plan --tls prints, run as printed', async () => {
    await Promise.all(members.map((member) => (member.proc.kill('SIGKILL'), member.exit)));
    const dir = (n: number): string => join(root, `member-${n}`);
    for (const n of [2, 3, 4]) rmSync(join(dir(n), 'chronik-data'), { recursive: true, force: true });
    const planned = await shell('chronik recover plan ./chronik-data/node-1 --tls --json', dir(1));
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as RecoveryPlan;
    expect(plan.steps.map((step) => step.id)).toEqual([1, 2, 3, 4]);

    // Each host runs its own lines: the keeper applies and starts; each lost member starts with --join on a
    // fresh data dir and is added from the operator's machine (the add-voter line), one at a time.
    const [keep, ...rejoin] = plan.steps;
    const [apply, start] = keep!.commands as [string, string];
    const applied = await shell(apply, dir(1));
    expect(applied.code, applied.stderr).toBe(0);
    expect(start).toContain('--cert-file node1.pem --key-file node1-key.pem --client-ca-file ca.pem --peer-ca-file ca.pem');
    spawnChronik(start.split(' ').slice(1), {}, dir(1));
    const operator = join(root, 'operator');
    for (const step of rejoin) {
      const [bootstrap, add] = step.commands as [string, string];
      expect(add).toMatch(/^chronik add-voter \d@https:\/\/\S+ --endpoints https:\/\/\S+ --cacert ca\.pem --cert operator\.pem --key operator-key\.pem$/);
      spawnChronik(bootstrap.split(' ').slice(1), {}, dir(Number(step.id)));
      const added = await eventually(async () => {
        const result = await shell(add, operator);
        return result.code === 0 ? result : undefined;
      }, 60_000, `${add} to succeed`);
      expect(added.stdout).toContain(`node ${step.id} is now a voter`);
    }
    const back = await shell('chronik get app/mode --config cluster.yaml && chronik status --config cluster.yaml --json', operator);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout.slice(0, back.stdout.indexOf('\n'))).toBe('blue');
    expect(JSON.parse(back.stdout.slice(back.stdout.indexOf('\n') + 1))).toMatchObject({ healthy: true, voters: [1, 2, 3, 4] });
  });
});
