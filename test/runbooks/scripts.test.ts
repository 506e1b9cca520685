// The runbook scripts pass shellcheck and `sh -n`, follow the shared conventions (set -eu, --help with
// exit statuses, exit 2 with one line for bad arguments), and are listed on the runbooks' index page.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../e2e/cli.js';
import { shellcheck, shSyntax } from './shell.js';

const DIR = join(ROOT, 'docs/runbooks/scripts');
const scripts = readdirSync(DIR).filter((f) => f.endsWith('.sh')).sort();

describe('runbook scripts', () => {
  it('are the five the runbooks promise, each listed on the index page', () => {
    expect(scripts).toEqual(['collect.sh', 'health-gate.sh', 'replace-member.sh', 'rolling-restart.sh', 'wait-for-leader.sh']);
    const index = readFileSync(join(ROOT, 'docs/runbooks/README.md'), 'utf8');
    for (const name of scripts) expect(index).toContain(`scripts/${name}`);
  });

  it.each(scripts)('%s passes shellcheck and sh -n', (name) => {
    const file = join(DIR, name);
    const checked = shellcheck({ file });
    expect(checked.output).toBe('');
    expect(checked.ok).toBe(true);
    const parsed = shSyntax(readFileSync(file, 'utf8'));
    expect(parsed.output).toBe('');
    expect(parsed.ok).toBe(true);
  });

  it('the CI entry point that installs shellcheck passes it too', () => {
    expect(shellcheck({ file: join(ROOT, '.ci/run') }).output).toBe('');
  });

  it.each(scripts)('%s is an executable POSIX sh script with set -eu, --help and exit 2 for a bad argument', (name) => {
    const file = join(DIR, name);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toBe('#!/bin/sh');
    expect(text).toMatch(/^set -eu$/m);
    expect(statSync(file).mode & 0o111).toBe(0o111);
    const help = spawnSync(file, ['--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: /);
    expect(help.stdout).toMatch(/\nExit status:\n {2}0 {2}\S/);
    expect(help.stdout).toMatch(/\n {2}2 {2}usage error/);
    const bad = spawnSync(file, ['--no-such-flag'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(new RegExp(`^${name.replace('.', '\\.')}: unknown (argument|option): --no-such-flag \\(see --help\\)\\n$`));
  });
});
