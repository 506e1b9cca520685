import chalk from 'chalk';
import { afterEach, describe, expect, it } from 'vitest';
import type { EndpointSample } from '../../src/client/admin-client.js';
import { buildClusterView } from '../../src/client/cluster-status.js';
import type { NodeStatus } from '../../src/shared/http-api.js';
import { nodeStatus } from '../support/node-status.js';
import { formatMembers, membershipJson } from '../../src/cli/members-view.js';
import { paint, renderTable } from '../../src/cli/render.js';
import { describeEvent, renderStatus, STATUS_COLUMNS, watchEvent } from '../../src/cli/status-view.js';

const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[`);
const ANSI_CODES = new RegExp(`${ESC}\\[[0-9;]*m`, 'g');
const originalLevel = chalk.level;
afterEach(() => {
  chalk.level = originalLevel;
});

function status(id: number, overrides: Partial<NodeStatus> = {}): EndpointSample {
  const s = nodeStatus(id, (n) => `127.0.0.1:${25200 + n}`, { leader: 1, commitIndex: 42, appliedIndex: 42, lastIndex: 42, voters: [1, 2], ...overrides });
  return { endpoint: s.addr, status: s };
}

describe('renderTable', () => {
  it('aligns columns without borders and without colour at level 0', () => {
    chalk.level = 0;
    const text = renderTable(['ID', 'ENDPOINT'], [['1', 'a:1'], ['10', 'longer:2']]);
    expect(text.split('\n')).toEqual(['ID  ENDPOINT', '1   a:1', '10  longer:2']);
    expect(text).not.toMatch(ANSI);
  });

  it('aligns by visible width when cells are coloured', () => {
    chalk.level = 1;
    const lines = renderTable(['A', 'B'], [[paint('ok', 'good'), 'x'], ['wide', 'y']]).split('\n');
    expect(lines[1]).toMatch(ANSI);
    const strip = (s: string | undefined): string => (s ?? '').replace(ANSI_CODES, '');
    expect(strip(lines[1]).indexOf('x')).toBe(strip(lines[2]).indexOf('y'));
  });

  it('paints only when chalk has a colour level', () => {
    chalk.level = 0;
    expect(paint('bad', 'bad')).toBe('bad');
    chalk.level = 1;
    expect(paint('bad', 'bad')).toMatch(ANSI);
  });

  it('formats member lists', () => {
    expect(formatMembers([{ id: 2, addr: 'b:2' }, { id: 1, addr: 'a:1' }])).toBe('1@a:1, 2@b:2');
    expect(membershipJson({ changed: false, voters: [], learners: [], leader: 0, term: 3 })).toEqual({ changed: false, leader: null, term: 3, voters: [], learners: [] });
  });
});

describe('status rendering', () => {
  it('prints the SPEC columns, a row per member and the verdict', () => {
    chalk.level = 0;
    const view = buildClusterView([status(1, { role: 'leader' }), { endpoint: '127.0.0.1:25202', error: 'connection refused' }]);
    const lines = renderStatus(view).split('\n');
    expect(lines[0]?.split(/\s+/)).toEqual(STATUS_COLUMNS);
    expect(lines[1]).toMatch(/^1\s+127\.0\.0\.1:25201\s+leader\s+voter\s+5\s+1\s+42\s+42\s+0\s+ok$/);
    expect(lines[2]).toMatch(/^2\s+127\.0\.0\.1:25202\s+-\s+voter\s+-\s+-\s+-\s+-\s+-\s+unreachable \(connection refused\)$/);
    expect(lines).toContain('NO QUORUM: leader 1 at term 5 is acknowledged by 1/2 voters, quorum needs 2');
  });

  it('announces leader and term changes between samples, and nothing otherwise', () => {
    const first = buildClusterView([status(1, { role: 'leader' }), status(2)]);
    const same = buildClusterView([status(1, { role: 'leader' }), status(2)]);
    const moved = buildClusterView([status(1, { leader: 2, term: 6 }), status(2, { role: 'leader', leader: 2, term: 6 })]);
    const at = new Date('2026-11-26T05:00:00.000Z');
    expect(watchEvent(undefined, first, at)).toBeUndefined();
    expect(watchEvent(first, same, at)).toBeUndefined();
    const event = watchEvent(first, moved, at);
    expect(event).toEqual({ event: 'leader-changed', time: at.toISOString(), leader: 2, previousLeader: 1, term: 6, previousTerm: 5 });
    expect(describeEvent(event!)).toBe('2026-11-26T05:00:00.000Z leader 1 -> 2 (term 5 -> 6)');
  });
});
