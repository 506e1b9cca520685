import { describe, expect, it } from 'vitest';
import { CodecError, decodeBatch, encodeBatch, Reader, Writer } from '../../src/node/codec.js';
import { decodeCommand, encodeCommand, requestKeyOf } from '../../src/node/kv.js';
import type { Message } from '../../src/raft/types.js';

describe('codec', () => {
  it('round-trips integers up to 2^53 - 1', () => {
    const values = [0, 1, 127, 128, 300, 2 ** 32, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER];
    const w = new Writer(1);
    for (const v of values) w.uint(v);
    const r = new Reader(w.finish());
    expect(values.map(() => r.uint())).toEqual(values);
    expect(r.done).toBe(true);
  });

  it('round-trips every message type in a batch', () => {
    const envelope = { from: 1, to: 2, term: 7 };
    const messages: Message[] = [
      {
        ...envelope,
        type: 'append',
        prevIndex: 4,
        prevTerm: 6,
        commit: 3,
        entries: [
          { type: 'normal', term: 7, index: 5, data: new Uint8Array([1, 2, 3]) },
          { type: 'conf-change', term: 7, index: 6, change: { type: 'add-learner', id: 4, addr: '[::1]:9195' } },
          { type: 'conf-change', term: 7, index: 7, change: { type: 'remove', id: 3 } },
        ],
      },
      { ...envelope, type: 'append-response', index: 9, reject: true, rejectHint: 3, hintTerm: 2 },
      { ...envelope, type: 'heartbeat', commit: 5 },
      { ...envelope, type: 'heartbeat', commit: 5, context: 'r1' },
      { ...envelope, type: 'heartbeat-response', context: 'r1' },
      { ...envelope, type: 'heartbeat-response' },
      { ...envelope, type: 'pre-vote', lastIndex: 9, lastTerm: 6, transfer: false },
      { ...envelope, type: 'vote', lastIndex: 9, lastTerm: 6, transfer: true },
      { ...envelope, type: 'vote-response', reject: false },
      { ...envelope, type: 'pre-vote-response', reject: true },
      {
        ...envelope,
        type: 'snapshot',
        snapshot: { meta: { index: 10, term: 6, membership: { voters: [{ id: 1, addr: 'a:1' }], learners: [] } }, data: new Uint8Array([9]) },
      },
      { ...envelope, type: 'timeout-now' },
      { ...envelope, type: 'read-index', context: 'ctx' },
      { ...envelope, type: 'read-index-response', context: 'ctx', index: 12, reject: false },
      { ...envelope, type: 'transfer-leader', transferee: 3 },
      { ...envelope, type: 'propose', entries: [{ type: 'normal', term: 0, index: 0, data: new Uint8Array([4, 5]) }] },
    ];
    const batch = { from: 1, fromAddr: '127.0.0.1:9192', clusterId: '0123456789abcdef', messages };
    expect(decodeBatch(encodeBatch(batch))).toEqual(batch);
  });

  it('rejects truncated input instead of inventing data', () => {
    const bytes = encodeBatch({ from: 1, fromAddr: 'a:1', clusterId: '', messages: [{ from: 1, to: 2, term: 1, type: 'heartbeat', commit: 1 }] });
    expect(() => decodeBatch(bytes.subarray(0, bytes.length - 2))).toThrow(CodecError);
  });

  it('round-trips state machine commands with non-ASCII text', () => {
    const command = { op: 'put' as const, key: 'clé', value: 'värde ✓' };
    expect(decodeCommand(encodeCommand(command))).toEqual(command);
  });

  it('round-trips a put carrying its request id, and peeks the id alone', () => {
    const command = { op: 'put' as const, key: 'k', value: 'v', request: { node: 3, boot: 2 ** 32 - 1, seq: 2 ** 40 } };
    const data = encodeCommand(command);
    expect(decodeCommand(data)).toEqual(command);
    expect(requestKeyOf(data)).toBe(`3.${2 ** 32 - 1}.${2 ** 40}`);
  });

  it('still reads a put written before request ids (the WAL of older data dirs)', () => {
    // Version 1 of the payload: op 1, key, value, each string as a varint length and UTF-8 bytes.
    const legacy = new Uint8Array([1, 1, 0x6b, 2, 0x76, 0x31]);
    expect(decodeCommand(legacy)).toEqual({ op: 'put', key: 'k', value: 'v1' });
    expect(requestKeyOf(legacy)).toBeUndefined();
    expect(requestKeyOf(new Uint8Array(0))).toBeUndefined();
  });
});
