// Compact binary encoding of Raft entries and messages: varints and length-prefixed bytes, used by the
// WAL (entries, hard state) and the peer transport (message batches). No JSON on the hot path.
import type { ConfChange, Entry, HardState, Member, Membership, Message, Snapshot } from '../raft/types.js';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

export class CodecError extends Error {}

/** Bytes Writer.uint writes at most (2^53 needs 8 groups of 7 bits). */
export const MAX_UINT_BYTES = 8;

/** A growable byte buffer written front to back. */
export class Writer {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initialSize = 256) {
    this.buf = new Uint8Array(initialSize);
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  u8(value: number): this {
    this.reserve(1);
    this.buf[this.pos++] = value;
    return this;
  }

  /** Unsigned LEB128 for integers up to 2^53; arithmetic instead of bit operators past 32 bits. */
  uint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new CodecError(`cannot encode ${value} as an unsigned integer`);
    this.reserve(MAX_UINT_BYTES);
    let rest = value;
    while (rest >= 0x80) {
      this.buf[this.pos++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buf[this.pos++] = rest;
    return this;
  }

  bool(value: boolean): this {
    return this.u8(value ? 1 : 0);
  }

  bytes(value: Uint8Array): this {
    this.uint(value.length);
    this.reserve(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
    return this;
  }

  /** UTF-8 with a length prefix, encoded in place: no intermediate buffer per string. */
  string(value: string): this {
    const length = Buffer.byteLength(value, 'utf8');
    this.uint(length);
    this.reserve(length);
    textEncoder.encodeInto(value, this.buf.subarray(this.pos, this.pos + length));
    this.pos += length;
    return this;
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** Reads what a Writer wrote; every read is bounds-checked so garbage raises CodecError, never garbage data. */
export class Reader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  u8(): number {
    if (this.pos >= this.buf.length) throw new CodecError('unexpected end of data');
    return this.buf[this.pos++] as number;
  }

  uint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const byte = this.u8();
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new CodecError('varint too long');
    }
    if (!Number.isSafeInteger(result)) throw new CodecError('integer out of range');
    return result;
  }

  bool(): boolean {
    return this.u8() !== 0;
  }

  bytes(): Uint8Array {
    const length = this.uint();
    if (this.pos + length > this.buf.length) throw new CodecError('length past end of data');
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  string(): string {
    return textDecoder.decode(this.bytes());
  }
}

const CHANGE_TYPES = ['add-learner', 'promote', 'add-voter', 'remove'] as const;

export function writeConfChange(w: Writer, change: ConfChange): void {
  w.u8(CHANGE_TYPES.indexOf(change.type)).uint(change.id);
  if (change.type === 'add-learner' || change.type === 'add-voter') w.string(change.addr);
}

export function readConfChange(r: Reader): ConfChange {
  const type = CHANGE_TYPES[r.u8()];
  const id = r.uint();
  switch (type) {
    case 'add-learner':
    case 'add-voter':
      return { type, id, addr: r.string() };
    case 'promote':
    case 'remove':
      return { type, id };
    default:
      throw new CodecError('unknown membership change type');
  }
}

export function writeEntry(w: Writer, entry: Entry): void {
  w.uint(entry.term).uint(entry.index);
  if (entry.type === 'normal') {
    w.u8(0).bytes(entry.data);
  } else {
    w.u8(1);
    writeConfChange(w, entry.change);
  }
}

export function readEntry(r: Reader): Entry {
  const term = r.uint();
  const index = r.uint();
  const kind = r.u8();
  if (kind === 0) return { type: 'normal', term, index, data: new Uint8Array(r.bytes()) };
  if (kind === 1) return { type: 'conf-change', term, index, change: readConfChange(r) };
  throw new CodecError(`unknown entry kind ${kind}`);
}

export function writeEntries(w: Writer, entries: readonly Entry[]): void {
  w.uint(entries.length);
  for (const entry of entries) writeEntry(w, entry);
}

export function readEntries(r: Reader): Entry[] {
  const count = r.uint();
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) entries.push(readEntry(r));
  return entries;
}

export function writeHardState(w: Writer, state: HardState): void {
  w.uint(state.term).uint(state.vote).uint(state.commit);
}

export function readHardState(r: Reader): HardState {
  return { term: r.uint(), vote: r.uint(), commit: r.uint() };
}

function writeMembers(w: Writer, members: readonly Member[]): void {
  w.uint(members.length);
  for (const member of members) w.uint(member.id).string(member.addr);
}

function readMembers(r: Reader): Member[] {
  const count = r.uint();
  const members: Member[] = [];
  for (let i = 0; i < count; i++) members.push({ id: r.uint(), addr: r.string() });
  return members;
}

export function writeMembership(w: Writer, membership: Membership): void {
  writeMembers(w, membership.voters);
  writeMembers(w, membership.learners);
}

export function readMembership(r: Reader): Membership {
  return { voters: readMembers(r), learners: readMembers(r) };
}

function writeSnapshot(w: Writer, snapshot: Snapshot): void {
  w.uint(snapshot.meta.index).uint(snapshot.meta.term);
  writeMembership(w, snapshot.meta.membership);
  w.bytes(snapshot.data);
}

function readSnapshot(r: Reader): Snapshot {
  const index = r.uint();
  const term = r.uint();
  const membership = readMembership(r);
  return { meta: { index, term, membership }, data: new Uint8Array(r.bytes()) };
}

const MESSAGE_TYPES = [
  'append',
  'append-response',
  'heartbeat',
  'heartbeat-response',
  'vote',
  'pre-vote',
  'vote-response',
  'pre-vote-response',
  'snapshot',
  'timeout-now',
  'read-index',
  'read-index-response',
  'transfer-leader',
  'propose',
] as const satisfies readonly Message['type'][];

function writeOptionalString(w: Writer, value: string | undefined): void {
  w.bool(value !== undefined);
  if (value !== undefined) w.string(value);
}

function readOptionalString(r: Reader): string | undefined {
  return r.bool() ? r.string() : undefined;
}

export function writeMessage(w: Writer, m: Message): void {
  w.u8(MESSAGE_TYPES.indexOf(m.type)).uint(m.from).uint(m.to).uint(m.term);
  switch (m.type) {
    case 'append':
      w.uint(m.prevIndex).uint(m.prevTerm).uint(m.commit);
      writeEntries(w, m.entries);
      break;
    case 'append-response':
      w.uint(m.index).bool(m.reject).uint(m.rejectHint).uint(m.hintTerm);
      break;
    case 'heartbeat':
      w.uint(m.commit);
      writeOptionalString(w, m.context);
      break;
    case 'heartbeat-response':
      writeOptionalString(w, m.context);
      break;
    case 'vote':
    case 'pre-vote':
      w.uint(m.lastIndex).uint(m.lastTerm).bool(m.transfer);
      break;
    case 'vote-response':
    case 'pre-vote-response':
      w.bool(m.reject);
      break;
    case 'snapshot':
      writeSnapshot(w, m.snapshot);
      break;
    case 'timeout-now':
      break;
    case 'read-index':
      w.string(m.context);
      break;
    case 'read-index-response':
      w.string(m.context).uint(m.index).bool(m.reject);
      break;
    case 'transfer-leader':
      w.uint(m.transferee);
      break;
    case 'propose':
      writeEntries(w, m.entries);
      break;
  }
}

export function readMessage(r: Reader): Message {
  const type = MESSAGE_TYPES[r.u8()];
  const envelope = { from: r.uint(), to: r.uint(), term: r.uint() };
  switch (type) {
    case 'append': {
      const prevIndex = r.uint();
      const prevTerm = r.uint();
      const commit = r.uint();
      return { ...envelope, type, prevIndex, prevTerm, commit, entries: readEntries(r) };
    }
    case 'append-response':
      return { ...envelope, type, index: r.uint(), reject: r.bool(), rejectHint: r.uint(), hintTerm: r.uint() };
    case 'heartbeat': {
      const commit = r.uint();
      const context = readOptionalString(r);
      return context === undefined ? { ...envelope, type, commit } : { ...envelope, type, commit, context };
    }
    case 'heartbeat-response': {
      const context = readOptionalString(r);
      return context === undefined ? { ...envelope, type } : { ...envelope, type, context };
    }
    case 'vote':
    case 'pre-vote':
      return { ...envelope, type, lastIndex: r.uint(), lastTerm: r.uint(), transfer: r.bool() };
    case 'vote-response':
    case 'pre-vote-response':
      return { ...envelope, type, reject: r.bool() };
    case 'snapshot':
      return { ...envelope, type, snapshot: readSnapshot(r) };
    case 'timeout-now':
      return { ...envelope, type };
    case 'read-index':
      return { ...envelope, type, context: r.string() };
    case 'read-index-response':
      return { ...envelope, type, context: r.string(), index: r.uint(), reject: r.bool() };
    case 'transfer-leader':
      return { ...envelope, type, transferee: r.uint() };
    case 'propose':
      return { ...envelope, type, entries: readEntries(r) };
    default:
      throw new CodecError('unknown message type');
  }
}

/**
 * A transport batch: who sends it (id and address, so a joining node learns where to answer), the sender's
 * cluster ID (checked before anything is stepped; '' from a joining node that has none yet) and messages.
 */
export interface MessageBatch {
  from: number;
  fromAddr: string;
  clusterId: string;
  messages: Message[];
}

/** Version 2 carries the cluster ID where version 1 carried the cluster name. */
const BATCH_VERSION = 2;

export function encodeBatch(batch: MessageBatch): Uint8Array {
  const w = new Writer(512);
  w.u8(BATCH_VERSION).uint(batch.from).string(batch.fromAddr).string(batch.clusterId).uint(batch.messages.length);
  for (const message of batch.messages) writeMessage(w, message);
  return w.finish();
}

export function decodeBatch(bytes: Uint8Array): MessageBatch {
  const r = new Reader(bytes);
  const version = r.u8();
  if (version !== BATCH_VERSION) throw new CodecError(`unsupported batch version ${version}`);
  const from = r.uint();
  const fromAddr = r.string();
  const clusterId = r.string();
  const count = r.uint();
  const messages: Message[] = [];
  for (let i = 0; i < count; i++) messages.push(readMessage(r));
  if (!r.done) throw new CodecError('trailing bytes after batch');
  return { from, fromAddr, clusterId, messages };
}
