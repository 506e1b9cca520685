import { describe, expect, it } from 'vitest';
import { isLoopbackHost, parseEndpoints, parseHostPort, parsePeers } from '../../src/shared/address.js';
import { parseConfig } from '../../src/shared/config.js';
import { parseDuration } from '../../src/shared/duration.js';
import { UsageError } from '../../src/shared/errors.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['5s', 5000],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['5', '', 'ms', '5 parsecs', '-1s', '0s'])('rejects %j as a usage error', (text) => {
    expect(() => parseDuration(text)).toThrow(UsageError);
  });
});

describe('parsePeers', () => {
  it('parses ID@HOST:PORT lists', () => {
    expect(parsePeers('2@hostB:9192, 3@[::1]:9193', 1)).toEqual([
      { id: 2, addr: 'hostB:9192' },
      { id: 3, addr: '[::1]:9193' },
    ]);
  });

  it('treats empty and absent as no peers', () => {
    expect(parsePeers(undefined)).toEqual([]);
    expect(parsePeers('  ')).toEqual([]);
  });

  it.each([
    ['x@h:1', /invalid peer id/],
    ['0@h:1', /invalid peer id/],
    ['2h:1', /expected ID@HOST:PORT/],
    ['2@h:0', /port must be between/],
    ['2@h:70000', /port must be between/],
    ['2@h', /expected HOST:PORT/],
    ['2@h:1,2@g:1', /duplicate peer id 2/],
    ['2@h:1,3@h:1', /duplicate address h:1/],
    ['1@h:1', /own id 1/],
    ['2@127.0.0.1:9192', /duplicate address/],
  ])('rejects %s', (text, message) => {
    expect(() => parsePeers(text, 1, '127.0.0.1:9192')).toThrow(message);
  });
});

describe('addresses', () => {
  it('normalises endpoints and drops duplicates', () => {
    expect(parseEndpoints('http://127.0.0.1:9192/,127.0.0.1:9192,localhost:1')).toEqual(['127.0.0.1:9192', 'localhost:1']);
  });
  it('rejects an empty endpoint list', () => expect(() => parseEndpoints(' , ')).toThrow(UsageError));
  it('knows loopback hosts', () => {
    expect(isLoopbackHost('127.0.0.5:1')).toBe(true);
    expect(isLoopbackHost('[::1]:1')).toBe(true);
    expect(isLoopbackHost('localhost:1')).toBe(true);
    expect(isLoopbackHost('10.0.0.1:1')).toBe(false);
    expect(isLoopbackHost('0.0.0.0:1')).toBe(false);
  });
  it('keeps ports numeric', () => expect(parseHostPort('h:0009192')).toBe('h:9192'));
});

describe('parseConfig', () => {
  const good = [
    'cluster: prod-metadata',
    'tick: 100ms',
    'electionTicks: 10',
    'heartbeatTicks: 3',
    'tokenFile: /etc/chronik/token',
    'nodes:',
    '  - { id: 1, addr: 10.0.0.1:9192 }',
    '  - { id: 2, addr: 10.0.0.2:9192 }',
  ].join('\n');

  it('reads the SPEC example', () => {
    expect(parseConfig(good)).toEqual({
      cluster: 'prod-metadata',
      tickMs: 100,
      electionTicks: 10,
      heartbeatTicks: 3,
      tokenFile: '/etc/chronik/token',
      nodes: [
        { id: 1, addr: '10.0.0.1:9192' },
        { id: 2, addr: '10.0.0.2:9192' },
      ],
    });
  });

  it.each([
    ['cluster: a\nbogus: 1\n', /config:2: unknown key "bogus"/],
    ['tick: fast\n', /config:1: tick: invalid tick "fast"/],
    ['electionTicks: -3\n', /config:1: electionTicks: expected a positive integer/],
    ['nodes:\n  - { id: 1, addr: nowhere }\n', /config:2: nodes.addr: invalid address/],
    ['nodes:\n  - { id: 1, adr: h:1 }\n', /config:2: unknown key "nodes.adr"/],
    ['nodes:\n  - { id: 1, addr: h:1 }\n  - { id: 1, addr: h:2 }\n', /config:3: nodes: duplicate id 1/],
    ['tick: [\n', /config:\d+: invalid YAML/],
  ])('names the key and line for %j', (text, message) => {
    expect(() => parseConfig(text)).toThrow(message);
  });
});
