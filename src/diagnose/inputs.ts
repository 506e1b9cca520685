// Turns the PATH arguments into log sources: files, directories (recursively), gzip files (by magic
// bytes, streamed through zlib), stdin, and chronik data dirs (recognised by their WAL segments).
import { createReadStream, type Stats } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { UsageError } from '../cli/errors.js';

export type Source =
  | { kind: 'file'; path: string; gzip: boolean }
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
    else sources.push({ kind: 'file', path, gzip: await isGzip(path) });
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
    else if (entry.isFile() && isLogCandidate(entry.name)) sources.push({ kind: 'file', path, gzip: await isGzip(path) });
  }
}

/** Skips files that are clearly not logs (fixture metadata, WAL segments, binaries) when walking directories. */
function isLogCandidate(name: string): boolean {
  if (/^(README|expected|commands)\b/i.test(name) || name.startsWith('.')) return false;
  return !/\.(md|ya?ml|png|jpe?g|wal|snap|db|tar|zip|sh|ts|js|py)$/i.test(name);
}

async function isGzip(path: string): Promise<boolean> {
  if (/\.gz$/i.test(path)) return true;
  try {
    const handle = await open(path, 'r');
    try {
      const head = Buffer.alloc(2);
      await handle.read(head, 0, 2, 0);
      return head[0] === 0x1f && head[1] === 0x8b;
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}

/** Opens a file or stdin as a byte stream, gunzipping on the fly. */
export function openSource(source: Exclude<Source, { kind: 'data-dir' }>): Readable {
  const raw: Readable = source.kind === 'stdin' ? process.stdin : createReadStream(source.path, { highWaterMark: 1 << 17 });
  if (source.kind === 'file' && source.gzip) {
    const gunzip = createGunzip({ chunkSize: 1 << 17 });
    raw.on('error', (err) => gunzip.destroy(err));
    return raw.pipe(gunzip);
  }
  return raw;
}

function describe(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return code ?? String(err);
}
