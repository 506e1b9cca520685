// chronik logs `membership applied` with the voter set each time a configuration change commits; a log
// can hold that line again and again with nothing new in it. The scanner skips such a line before
// anything is decoded or built for it when its node's voters are the ones that node's last such line
// named. It reads the raw bytes where the line finder found the keyword, with plain byte loops: on a
// 100-byte line they cost less than Buffer.indexOf or a decoded string's search.
import type { LogPhrase } from '../shared/log-catalogue.js';
import type { LineVeto } from './keywords.js';

const MEMBERSHIP_APPLIED_TEXT: LogPhrase = 'membership applied';
const MEMBERSHIP_APPLIED = Buffer.from(MEMBERSHIP_APPLIED_TEXT, 'latin1');
const NODE_KEY = { text: Buffer.from(' node=', 'latin1'), json: Buffer.from('"node":', 'latin1') };
const VOTERS_KEY = { text: Buffer.from(' voters=', 'latin1'), json: Buffer.from('"voters":', 'latin1') };

/**
 * Where `needle` (two bytes or more) starts in view[from, end), or -1: a plain loop, cheaper than a
 * native call on a line this short. It stops on the needle's second byte, the first letter of a
 * field name (rarer than the space or quote before it).
 */
function indexIn(view: Uint8Array, needle: Uint8Array, from: number, end: number): number {
  const second = needle[1];
  outer: for (let i = from + 1, last = end - needle.length + 1; i <= last; i++) {
    if (view[i] !== second) continue;
    if (view[i - 1] !== needle[0]) continue;
    for (let k = 2; k < needle.length; k++) if (view[i - 1 + k] !== needle[k]) continue outer;
    return i - 1;
  }
  return -1;
}

/**
 * Where the raw value after ` key=` (text) or `"key":` (JSON lines) lies in view[from, end): a
 * bracketed list, or up to a space, comma or brace. -1 when absent; the value ends at valueEnd.
 */
function fieldAt(view: Uint8Array, key: { text: Buffer; json: Buffer }, json: boolean, from: number, end: number): number {
  const name = json ? key.json : key.text;
  const at = indexIn(view, name, from, end);
  return at < 0 || at + name.length >= end ? -1 : at + name.length;
}

/** A node id as a map key: its number when it is one (no string made per line), else its text. */
function nodeKey(view: Buffer, at: number, end: number): number | string {
  let n = 0;
  for (let i = at; i < end; i++) {
    const digit = view[i]! - 48;
    if (digit < 0 || digit > 9 || n > 1e14) return view.toString('latin1', at, end);
    n = n * 10 + digit;
  }
  return end > at ? n : '';
}

function valueEnd(view: Uint8Array, at: number, end: number): number {
  let stop = at;
  if (view[at] === 91 /* [ */) {
    while (stop < end && view[stop] !== 93 /* ] */) stop++;
    return stop < end ? stop + 1 : -1;
  }
  for (let c = view[stop]; stop < end && c !== 32 && c !== 44 && c !== 125; c = view[++stop]);
  return stop;
}

export class MembershipVeto {
  /** node -> the voters (raw bytes) its last `membership applied` line named. */
  private readonly last = new Map<number | string, Uint8Array>();

  /** Whether bytes [start, end) of the view are a `membership applied` line naming the same voters as its node's last one. */
  readonly veto: LineVeto = (view, start, end, keyword, at) => {
    const phrase = keyword === MEMBERSHIP_APPLIED_TEXT ? at : indexIn(view, MEMBERSHIP_APPLIED, start, end);
    if (phrase < 0) return false;
    const json = view[start] === 123; /* { */
    const nodeAt = fieldAt(view, NODE_KEY, json, phrase, end);
    const votersAt = fieldAt(view, VOTERS_KEY, json, phrase, end);
    if (nodeAt < 0 || votersAt < 0) return false;
    const nodeEnd = valueEnd(view, nodeAt, end);
    const votersEnd = valueEnd(view, votersAt, end);
    if (nodeEnd < 0 || votersEnd < 0) return false;
    const node = nodeKey(view, nodeAt, nodeEnd);
    const previous = this.last.get(node);
    if (previous !== undefined && previous.length === votersEnd - votersAt) {
      let k = 0;
      while (k < previous.length && previous[k] === view[votersAt + k]) k++;
      if (k === previous.length) return true;
    }
    // A copy: the view is the read buffer, overwritten by the next chunk.
    this.last.set(node, new Uint8Array(view.subarray(votersAt, votersEnd)));
    return false;
  };
}
