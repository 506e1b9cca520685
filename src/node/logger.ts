// The node's logger, writing docs/logging.md's line shapes (text or JSON) to stderr or a file. Every record
// carries the node id and, once known, the term; messages are the catalogue's fixed phrases
// (src/shared/log-catalogue.ts), each only at its own level and with its own typed fields.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { FieldValue, LogFieldsOf, LogLevel, LogPhrase, LogRecord, PhraseAt } from '../shared/log-catalogue.js';

export type LogFormat = 'text' | 'json';

const BARE_TOKEN = /^[A-Za-z0-9_.:/@,[\]-]+$/;
const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function textValue(value: FieldValue): string {
  if (Array.isArray(value)) return `[${value.join(',')}]`;
  const text = String(value);
  return BARE_TOKEN.test(text) ? text : JSON.stringify(text);
}

export interface LoggerOptions {
  format: LogFormat;
  /** Append to this file instead of stderr. */
  file?: string;
  minLevel?: LogLevel;
}

export class Logger {
  private readonly fd: number;
  private readonly ownsFd: boolean;
  private readonly minLevel: number;
  /** Fields every record carries (node, term); the runtime updates term as it changes. */
  readonly context: { node: number; term?: number };

  constructor(
    private readonly options: LoggerOptions,
    node: number,
  ) {
    this.context = { node };
    this.minLevel = LEVEL_ORDER[options.minLevel ?? 'info'];
    if (options.file !== undefined) {
      this.fd = openSync(options.file, 'a', 0o640);
      this.ownsFd = true;
    } else {
      this.fd = 2;
      this.ownsFd = false;
    }
  }

  debug<P extends PhraseAt<'debug'>>(msg: P, fields: LogFieldsOf<P>): void {
    this.write('debug', msg, fields);
  }

  info<P extends PhraseAt<'info'>>(msg: P, fields: LogFieldsOf<P>): void {
    this.write('info', msg, fields);
  }

  warn<P extends PhraseAt<'warn'>>(msg: P, fields: LogFieldsOf<P>): void {
    this.write('warn', msg, fields);
  }

  error<P extends PhraseAt<'error'>>(msg: P, fields: LogFieldsOf<P>): void {
    this.write('error', msg, fields);
  }

  /** A record rendered elsewhere (the core's events, src/shared/log-catalogue.ts); its term becomes the context's. */
  record(record: LogRecord): void {
    if (typeof record.fields.term === 'number') this.context.term = record.fields.term;
    this.write(record.level, record.msg, record.fields);
  }

  private write(level: LogLevel, msg: LogPhrase, fields: object): void {
    if (LEVEL_ORDER[level] < this.minLevel) return;
    const all: Record<string, FieldValue | undefined> = { node: this.context.node, ...(this.context.term !== undefined ? { term: this.context.term } : {}), ...fields };
    const ts = new Date().toISOString();
    let line: string;
    if (this.options.format === 'json') {
      const record: Record<string, unknown> = { ts, level, msg };
      for (const [key, value] of Object.entries(all)) if (value !== undefined) record[key] = value;
      line = JSON.stringify(record);
    } else {
      const parts = [ts, level.toUpperCase().padEnd(5), msg];
      for (const [key, value] of Object.entries(all)) if (value !== undefined) parts.push(`${key}=${textValue(value)}`);
      line = parts.join(' ');
    }
    // Synchronous so the lines before a crash or kill are on disk for diagnose.
    writeSync(this.fd, `${line}\n`);
  }

  close(): void {
    if (this.ownsFd) closeSync(this.fd);
  }
}
