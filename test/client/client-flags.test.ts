import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConnection } from '../../src/cli/client-flags.js';
import { UsageError } from '../../src/shared/errors.js';
import { faultToleranceWarnings } from '../../src/client/membership.js';

const dir = mkdtempSync(join(tmpdir(), 'chronik-flags-'));
const config = join(dir, 'cluster.yaml');
writeFileSync(config, `tokenFile: ${join(dir, 'config-token')}\nnodes:\n  - { id: 1, addr: 127.0.0.1:25301 }\n  - { id: 2, addr: 127.0.0.1:25302 }\n`);
writeFileSync(join(dir, 'config-token'), 'from-config\n');
writeFileSync(join(dir, 'flag-token'), '  from-flag \n');
writeFileSync(join(dir, 'empty-token'), '\n');

describe('resolveConnection', () => {
  it('prefers --endpoints, then --config, then CHRONIK_ENDPOINTS, then the default', () => {
    const env = { CHRONIK_ENDPOINTS: '127.0.0.1:25303, 127.0.0.1:25304' };
    expect(resolveConnection({ endpoints: '127.0.0.1:25305', config }, env)).toMatchObject({ endpoints: ['127.0.0.1:25305'], source: '--endpoints' });
    expect(resolveConnection({ config }, env)).toMatchObject({ endpoints: ['127.0.0.1:25301', '127.0.0.1:25302'], source: '--config' });
    expect(resolveConnection({}, env)).toMatchObject({ endpoints: ['127.0.0.1:25303', '127.0.0.1:25304'], source: 'CHRONIK_ENDPOINTS' });
    expect(resolveConnection({}, {})).toMatchObject({ endpoints: ['127.0.0.1:9192'], source: 'default' });
  });

  it('splits env lists on commas and whitespace', () => {
    expect(resolveConnection({}, { CHRONIK_ENDPOINTS: '127.0.0.1:1 127.0.0.1:2,127.0.0.1:3' }).endpoints).toEqual(['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3']);
  });

  it('takes the token from --token-file, else CHRONIK_TOKEN, else the config', () => {
    expect(resolveConnection({ config, 'token-file': join(dir, 'flag-token') }, { CHRONIK_TOKEN: 'env' }).token).toBe('from-flag');
    expect(resolveConnection({ config }, { CHRONIK_TOKEN: 'env' }).token).toBe('env');
    expect(resolveConnection({ config }, {}).token).toBe('from-config');
    expect(resolveConnection({}, {}).token).toBeUndefined();
  });

  it.each([
    [{ endpoints: 'nowhere' }, /invalid endpoint "nowhere"/],
    [{ endpoints: '127.0.0.1:0' }, /port must be between/],
    [{ 'token-file': join(dir, 'missing') }, /cannot read token file .*missing: ENOENT/],
    [{ 'token-file': join(dir, 'empty-token') }, /token file .* is empty/],
    [{ config: join(dir, 'missing.yaml') }, /cannot read config file/],
  ])('rejects %j as a usage error', (flags, message) => {
    expect(() => resolveConnection(flags, {})).toThrow(message);
    expect(() => resolveConnection(flags, {})).toThrow(UsageError);
  });
});

describe('faultToleranceWarnings', () => {
  it.each([
    [1, /1 voter cannot tolerate any failure/],
    [2, /2 voters cannot tolerate any failure/],
    [4, /4 voters tolerate 1 failure, no more than 3 would/],
  ])('warns about %d voters', (voters, message) => {
    expect(faultToleranceWarnings(voters).join('\n')).toMatch(message);
  });

  it.each([3, 5])('is quiet about %d voters', (voters) => expect(faultToleranceWarnings(voters)).toEqual([]));
});
