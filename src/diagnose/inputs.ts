// Turns the PATH arguments into log sources: files, directories (recursively), gzip files (by magic
// bytes, streamed through zlib), stdin, and chronik data dirs (recognised by their WAL segments). Text
// saved as UTF-16 (a byte-order mark first: PowerShell's `>` writes it) is read as the UTF-8 it stands for.
import { createReadStream, type Stats } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { createGunzip } from 'node:zlib';
import { UsageError } from '../shared/errors.js';

export type Source =
  /** gzip and utf16 files are read as streams (decompressed, decoded), others with blocking reads. */
  | { kind: 'file'; path: string; gzip: boolean; utf16: boolean }
  | { kind: 'stdin'; path: '-' }
  | { kind: 'data-dir'; path: string };

/** chronik's data dir layout (src/node/datadir.ts): meta.json next to membership.json and wal/. */
function isDataDir(names: string[]): boolean {
  return names.includes('meta.json') && (names.includes('wal') || names.includes('membership.json'));
}

/** Expands every PATH; an unreadable or missing path is a usage error (exit 2) naming it. */
export async function expandPaths(paths: string[]): Promise<Source[]> {
  const sources: Source[] = [];
  for (const path of paths) {
    if (path === '-') {
      sources.push({ kind: 'stdin', path: '-' });
      continue;
    }
    let info: Stats;
    try {
      info = await stat(path);
    } catch (err) {
      throw new UsageError(`cannot read ${path}: ${describe(err)}`);
    }
    if (info.isDirectory()) await walk(path, sources, true);
    else sources.push({ kind: 'file', path, ...(await sniff(path)) });
  }
  return sources;
}

async function walk(dir: string, sources: Source[], explicit: boolean): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (explicit) throw new UsageError(`cannot read ${dir}: ${describe(err)}`);
    return;
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  if (isDataDir(entries.map((e) => e.name))) {
    sources.push({ kind: 'data-dir', path: dir });
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, sources, false);
    else if (entry.isFile() && isLogCandidate(entry.name)) sources.push({ kind: 'file', path, ...(await sniff(path)) });
  }
}

/** Skips files that are clearly not logs (fixture metadata, WAL segments, binaries) when walking directories. */
function isLogCandidate(name: string): boolean {
  if (/^(README|expected|commands)\b/i.test(name) || name.startsWith('.')) return false;
  return !/\.(md|ya?ml|png|jpe?g|wal|snap|db|tar|zip|sh|ts|js|py)$/i.test(name);
}

/** What a file's first bytes say: gzip (by name or magic), or UTF-16 text (a byte-order mark). */
async function sniff(path: string): Promise<{ gzip: boolean; utf16: boolean }> {
  const head = Buffer.alloc(2);
  try {
    const handle = await open(path, 'r');
    try {
      await handle.read(head, 0, 2, 0);
    } finally {
      await handle.close();
    }
  } catch {
    // Unreadable here: the scan reports it.
  }
  return { gzip: /\.gz$/i.test(path) || (head[0] === 0x1f && head[1] === 0x8b), utf16: utf16Of(head) !== undefined };
}

function utf16Of(head: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** Opens a file or stdin as a byte stream of UTF-8 text, gunzipping on the fly. */
export function openSource(source: Exclude<Source, { kind: 'data-dir' }>): Readable {
  const raw: Readable = source.kind === 'stdin' ? process.stdin : createReadStream(source.path, { highWaterMark: 1 << 17 });
  let bytes = raw;
  if (source.kind === 'file' && source.gzip) {
    const gunzip = createGunzip({ chunkSize: 1 << 17 });
    raw.on('error', (err) => gunzip.destroy(err));
    bytes = raw.pipe(gunzip);
  }
  const text = fromUtf16();
  bytes.on('error', (err) => text.destroy(err));
  return bytes.pipe(text);
}

/** Passes bytes through, unless they start with a UTF-16 byte-order mark: then they are decoded to UTF-8. */
function fromUtf16(): Transform {
  let decoder: TextDecoder | null | undefined;
  let held = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (decoder === undefined) {
        held = Buffer.concat([held, chunk]);
        if (held.length < 2) return done();
        const encoding = utf16Of(held);
        decoder = encoding === undefined ? null : new TextDecoder(encoding);
        chunk = held;
      }
      done(null, decoder === null ? chunk : Buffer.from(decoder.decode(chunk, { stream: true }), 'utf8'));
    },
    flush(done) {
      if (decoder === undefined) return done(null, held);
      done(null, decoder === null ? undefined : Buffer.from(decoder.decode(), 'utf8'));
    },
  });
}

function describe(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return code ?? String(err);
}
