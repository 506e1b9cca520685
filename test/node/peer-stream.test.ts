// FrameReader: length-prefixed frames come out whole and in order however the byte stream is cut.
import { describe, expect, it } from 'vitest';
import { FrameReader, MAX_FRAME_BYTES, frameHeader } from '../../src/node/peer-stream.js';

const frame = (text: string): Buffer => Buffer.concat([frameHeader(Buffer.byteLength(text)), Buffer.from(text)]);

describe('FrameReader', () => {
  it('returns every frame of a stream cut at every possible point', () => {
    const bodies = ['first', '', 'a longer third frame', 'x'.repeat(300)];
    const stream = Buffer.concat(bodies.map(frame));
    for (let cut = 0; cut <= stream.length; cut++) {
      for (const step of [1, 3, 7, stream.length]) {
        const reader = new FrameReader();
        const out: string[] = [];
        const pieces = [stream.subarray(0, cut), ...chunks(stream.subarray(cut), step)];
        for (const piece of pieces) out.push(...reader.push(piece).map((f) => f.toString()));
        expect(out, `cut ${cut} step ${step}`).toEqual(bodies);
      }
    }
  });

  it('refuses a frame over the limit as soon as its length arrives', () => {
    const reader = new FrameReader();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(MAX_FRAME_BYTES + 1, 0);
    expect(() => reader.push(header.subarray(0, 2))).not.toThrow();
    expect(() => reader.push(header.subarray(2))).toThrow(/over the .*limit/);
  });
});

function chunks(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}
