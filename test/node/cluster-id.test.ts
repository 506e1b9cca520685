// The cluster ID: the same on every member of one bootstrap, different for another name, other members or
// another token; and the admission rules every peer request goes through (src/node/cluster-id.ts).
import { describe, expect, it } from 'vitest';
import { ClusterIdentity, ClusterIdMismatchError, deriveClusterId, tokenFingerprint } from '../../src/node/cluster-id.js';

const three = [
  { id: 1, addr: '127.0.0.1:9192' },
  { id: 2, addr: '127.0.0.1:9193' },
  { id: 3, addr: '127.0.0.1:9194' },
];

describe('deriveClusterId', () => {
  it('is the same for every member of one bootstrap, whatever order each lists the members in', () => {
    const id = deriveClusterId('chronik', three);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(deriveClusterId('chronik', [...three].reverse())).toBe(id);
  });

  it('differs for another name, other members, another address, or another token', () => {
    const id = deriveClusterId('chronik', three);
    const others = [
      deriveClusterId('prod', three),
      deriveClusterId('chronik', three.slice(0, 1)),
      deriveClusterId('chronik', [...three.slice(0, 2), { id: 3, addr: '127.0.0.1:9195' }]),
      deriveClusterId('chronik', three, 'token-a'),
      deriveClusterId('chronik', three, 'token-b'),
    ];
    expect(new Set([id, ...others]).size).toBe(others.length + 1);
  });

  it('keeps the token out of what the data dir stores', () => {
    expect(tokenFingerprint('s3cret')).toMatch(/^[0-9a-f]{16}$/);
    expect(tokenFingerprint('s3cret')).not.toContain('s3cret');
    expect(tokenFingerprint('s3cret')).not.toBe(tokenFingerprint('s3cret2'));
  });
});

function identity(id: string | undefined, now = 0) {
  const seen = { persisted: [] as string[], logged: [] as string[], refused: 0, adopted: [] as string[] };
  let clock = now;
  const subject = new ClusterIdentity({
    id,
    persist: (value) => seen.persisted.push(value),
    onMismatch: (error) => seen.logged.push(error.message),
    onRefused: () => (seen.refused += 1),
    onAdopted: (value, from) => seen.adopted.push(`${value}@${from}`),
    now: () => clock,
  });
  return { subject, seen, advance: (ms: number) => (clock += ms) };
}

describe('ClusterIdentity', () => {
  it('admits its own cluster and refuses another (and none), logging each sender at most every 10 s', () => {
    const { subject, seen, advance } = identity('aaaaaaaaaaaaaaaa');
    subject.admit(2, '127.0.0.1:2', 'aaaaaaaaaaaaaaaa');
    expect(() => subject.admit(2, '127.0.0.1:2', 'bbbbbbbbbbbbbbbb')).toThrow(ClusterIdMismatchError);
    expect(() => subject.admit(2, '127.0.0.1:2', 'bbbbbbbbbbbbbbbb')).toThrow(/node 2 is in cluster bbbbbbbbbbbbbbbb, this node is in cluster aaaaaaaaaaaaaaaa/);
    expect(() => subject.admitBatch(3, '127.0.0.1:3', '', true)).toThrow(/node 3 is in cluster \(none\)/);
    expect(seen.refused).toBe(3);
    expect(seen.logged).toHaveLength(2); // node 2 once, node 3 once
    advance(10_000);
    expect(() => subject.admit(2, '127.0.0.1:2', 'bbbbbbbbbbbbbbbb')).toThrow();
    expect(seen.logged).toHaveLength(3);
    expect(seen.persisted).toEqual([]);
  });

  it('a joining node steps nothing until a leader message, adopts that ID once, then refuses any other', () => {
    const { subject, seen } = identity(undefined);
    subject.admit(2, '127.0.0.1:2', 'bbbbbbbbbbbbbbbb'); // a stream is admitted; its batches decide
    expect(subject.admitBatch(2, '127.0.0.1:2', 'bbbbbbbbbbbbbbbb', false)).toBe(false);
    expect(subject.admitBatch(2, '127.0.0.1:2', '', true)).toBe(false);
    expect(subject.id).toBeUndefined();
    expect(subject.admitBatch(2, '127.0.0.1:2', 'bbbbbbbbbbbbbbbb', true)).toBe(true);
    expect(subject.id).toBe('bbbbbbbbbbbbbbbb');
    expect(seen.persisted).toEqual(['bbbbbbbbbbbbbbbb']);
    expect(seen.adopted).toEqual(['bbbbbbbbbbbbbbbb@2']);
    expect(() => subject.admitBatch(7, '127.0.0.1:7', 'cccccccccccccccc', true)).toThrow(ClusterIdMismatchError);
    expect(subject.id).toBe('bbbbbbbbbbbbbbbb');
    expect(seen.persisted).toHaveLength(1);
  });
});
