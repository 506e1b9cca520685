// Runs the built CLI (`node bin/run.js`, after `npm run build`) as an operator would, capturing
// exit code, stdout and stderr.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RUN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function chronik(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return startChronik(args, options).result;
}

/** A CLI process the test can signal (Ctrl-C a --watch, or kill -9 an operator's command mid-way). */
export function startChronik(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): { result: Promise<CliResult>; kill(signal: NodeJS.Signals): void } {
  return startProcess(process.execPath, [RUN, ...args], { ...options, cwd: ROOT, env: operatorEnv(options.env) });
}

/**
 * The environment an operator's shell gives the CLI: not vitest's NODE_ENV=test (which sends every command
 * to oclif instead of the fast start), no colours, no debug output, no endpoints or token from this shell.
 */
export function operatorEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, NODE_ENV: 'production', NO_COLOR: '1', DEBUG: '', CHRONIK_ENDPOINTS: '', CHRONIK_TOKEN: '', ...extra };
}

/** Any command (a shell line, a runbook script), with exactly `env`, capturing exit code, stdout and stderr. */
export function runProcess(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; input?: string; timeoutMs?: number }): Promise<CliResult> {
  return startProcess(command, args, options).result;
}

function startProcess(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; input?: string; timeoutMs?: number },
): { result: Promise<CliResult>; kill(signal: NodeJS.Signals): void } {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => undefined); // a command that exits without reading its input
  const result = new Promise<CliResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
  return { result, kill: (signal) => child.kill(signal) };
}

/** Runs tasks with at most `limit` at once: two cores are shared with other suites. */
export async function inBatches<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
