// The envelope layer: peels the wrappers real log lines come in, stacked in any order (ANSI colour, a
// pager's `$`, container runtimes' and journald's JSON records, CRI, compose/kubectl/docker log-driver
// prefixes, syslog/journald short format, a UI's own prefix) and the product's own layout (zap JSON and
// console, hclog, logrus logfmt and terminal, klog, Go's std log, capnslog, TiKV, tracing, slog), and
// finds the time, level, node hint, fields and message body the template layer (interpret/) reads.

export interface LineShape {
  time?: number;
  level?: string;
  /** The message with the time/level/wrapper removed; for JSON the `msg`-like field. */
  message: string;
  /** Parsed JSON object when the line is JSON, else undefined. */
  json?: Record<string, unknown>;
  /** A host or service name from a docker-compose or syslog prefix. */
  source?: string;
  /** The line from where the product's own layout starts (outer envelopes peeled): dialects are told by it. */
  layout?: string;
  /** The fields came from logfmt text (logrus), not from a JSON record. */
  logfmt?: true;
  /**
   * The time came from a stamp without a year, the current year assumed: the syslog/journald prefix's
   * (`stamp`) or the product's own layout's (`layout`: klog, slog-term).
   */
  yearless?: 'stamp' | 'layout';
  /** When the product's own layout had the time, what the year-less syslog stamp around it read. */
  stampedAt?: number;
}

// eslint-disable-next-line no-control-regex -- ANSI colour codes start with ESC
export const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
// `docker compose logs` (`etcd-1  | `) and `kubectl logs --prefix` (`[pod/etcd-0/etcd] `).
const COMPOSE_PREFIX = /^(?:([A-Za-z0-9][\w.@-]*)\s+\|\s|\[pod\/([^/\]]+)\/[^\]]*\] )/;
const SYSLOG_PREFIX = /^([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) ([\w.-]+) ([\w.@/|:-]+?)(?:\[\d+\])?: /;
// Kubernetes' CRI log files (/var/log/pods, /var/log/containers): `<RFC 3339 time> <stdout|stderr> <P|F> <line>`.
const CRI_PREFIX = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) (?:stdout|stderr) [PF] /;
// docker's json-file driver (/var/lib/docker/containers/<id>/<id>-json.log): `{"log":"<line>\n","stream":...,"time":...}`.
const DOCKER_JSON = '{"log":"';
const CSV_ROW = /^"(?:[^"]|"")*"(?:,"(?:[^"]|"")*")+$/;
const CSV_FIELD = /"((?:[^"]|"")*)"/g;

/**
 * A log exported as CSV (a cloud console's or Kibana's download): `"<pod or host>","<line>"` or
 * `"<time>","<host>","<line>"`, quotes doubled. The line is the longest field; a first field that is a
 * bare name names the node.
 */
function csvRow(raw: string): { line: string; source?: string } | undefined {
  if (!CSV_ROW.test(raw)) return undefined;
  const fields = [...raw.matchAll(CSV_FIELD)].map((m) => m[1]!.replace(/""/g, '"'));
  const line = fields.reduce((a, b) => (b.length > a.length ? b : a));
  const name = fields.find((f) => f !== line && /^[\w.@:/-]{1,253}$/.test(f) && !/^\d/.test(f));
  return { line, source: name };
}
// `journalctl -o json`: one record per line, __CURSOR first.
const JOURNAL_JSON = '{"__CURSOR":';
// zap's console encoder (etcd 3.6 `--log-format=console`, other Go servers): time, level, [logger,] caller,
// message and the fields as JSON, tab-separated.
const ZAP_CONSOLE = /^(\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d)?)\t(debug|info|warn|error|dpanic|panic|fatal)\t(?:([^\t]+)\t)?([^\t\s]+\.go:\d+)\t([^\t]*)(?:\t(\{.*\}))?$/i;
const LEVEL_NAME = /^(TRACE|TRCE|DEBUG|DEBG|INFO|WARN|WARNING|ERROR|ERRO|CRIT|FATAL)$/;
const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

// Time formats at the start of a line, most specific first. Each returns [epoch ms, length consumed].
const ISO = /^\[?(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d+))?\s?(Z|[+-]\d\d:?\d\d)?\]?/;
const SLASHED = /^\[?(?:raft)?(\d{4})\/(\d\d)\/(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:[.,](\d+))?(?: ([+-]\d\d:?\d\d))?\]?/;
const MONTH_DAY = /^([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?/;
const PROGRAM_TAG = /^\[[\w.-]+\] +(?=[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}[/-]\d\d[/-]\d\d[ T]\d\d:\d\d:\d\d)/;

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
}

function fractionMs(fraction: string | undefined): number {
  return fraction === undefined ? 0 : Number(`0.${fraction}`) * 1000;
}

const digit = (text: string, at: number): number => text.charCodeAt(at) - 48;
const isDigit = (text: string, at: number): boolean => {
  const c = text.charCodeAt(at);
  return c >= 48 && c <= 57;
};
let minuteKey = '';
let minuteBase = 0;

/**
 * The common case without regexes: `YYYY-MM-DD[T ]HH:MM:SS[.fff...][Z|+hh:mm|+hhmm]` at the start.
 * Lines of one file share their minute, so its epoch is computed once per minute.
 */
function fastIso(text: string): { time: number; length: number } | undefined {
  if (text.length < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const sep = text.charCodeAt(10);
  if (sep !== 84 && sep !== 32) return undefined;
  for (const at of [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]) if (!isDigit(text, at)) return undefined;
  const key = text.slice(0, 16);
  if (key !== minuteKey) {
    minuteKey = key;
    minuteBase = Date.UTC(+text.slice(0, 4), +text.slice(5, 7) - 1, +text.slice(8, 10), +text.slice(11, 13), +text.slice(14, 16));
  }
  let time = minuteBase + (digit(text, 17) * 10 + digit(text, 18)) * 1000;
  let at = 19;
  if (text.charCodeAt(at) === 46 || text.charCodeAt(at) === 44) {
    at++;
    let scale = 100;
    while (isDigit(text, at)) {
      time += digit(text, at) * scale;
      scale /= 10;
      at++;
    }
  }
  const zone = text.charCodeAt(at);
  if (zone === 90) at++;
  else if ((zone === 43 || zone === 45) && isDigit(text, at + 1) && isDigit(text, at + 2)) {
    const colon = text.charCodeAt(at + 3) === 58 ? 1 : 0;
    if (isDigit(text, at + 3 + colon) && isDigit(text, at + 4 + colon)) {
      const minutes = (digit(text, at + 1) * 10 + digit(text, at + 2)) * 60 + digit(text, at + 3 + colon) * 10 + digit(text, at + 4 + colon);
      time -= (zone === 45 ? -1 : 1) * minutes * 60_000;
      at += 5 + colon;
    }
  }
  return { time, length: at };
}

/** Parses a timestamp at the start of `text`; returns the time and how many characters it used. */
export function parseLeadingTime(text: string): { time: number; length: number; yearless?: true } | undefined {
  const fast = fastIso(text);
  if (fast) return fast;
  const first = text.charCodeAt(0);
  if (first === 91 /* [ */ || (first >= 48 && first <= 57) || first === 114 /* raft2024/... */) {
    let m = ISO.exec(text);
    if (m) {
      const time = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) + fractionMs(m[7]) - zoneOffsetMs(m[8]);
      return { time, length: m[0].length };
    }
    m = SLASHED.exec(text);
    if (m) {
      const time = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) + fractionMs(m[7]) - zoneOffsetMs(m[8]);
      return { time, length: m[0].length };
    }
    return undefined;
  }
  const m = MONTH_DAY.exec(text);
  if (m && MONTHS[m[1]!] !== undefined) {
    // syslog and slog-term omit the year: assume the current one.
    const year = new Date().getUTCFullYear();
    const time = Date.UTC(year, MONTHS[m[1]!]!, +m[2]!.trim(), +m[3]!, +m[4]!, +m[5]!) + fractionMs(m[6]);
    return { time, length: m[0].length, yearless: true };
  }
  return undefined;
}

function parseJsonTime(value: unknown): number | undefined {
  if (typeof value === 'number') return value < 1e11 ? value * 1000 : value;
  if (typeof value !== 'string') return undefined;
  const parsed = parseLeadingTime(value);
  if (parsed) return parsed.time;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

// NATS's `[INF]`/`[WRN]`/`[DBG]` too.
const LEVEL_WORD = /^\s*\[?(TRACE|TRCE|TRC|DEBUG|DEBG|DBG|INFO|INF|NOTICE|WARN|WARNING|WRN|ERROR|ERRO|ERR|CRIT|FATAL|FTL|PANIC|[DINWECF])\]?(?:\s*\||:)?\s+/i;

/**
 * The line an envelope holds, with the time (and host) it was stamped with: a CRI log line's payload,
 * a docker json-file record's `log`, a `journalctl -o json` record's MESSAGE, a first line after a
 * UTF-8 byte-order mark (Notepad); undefined for any other line.
 */
export function unwrapEnvelope(raw: string): { line: string; time?: number; source?: string } | undefined {
  const first = raw.charCodeAt(0);
  if (first === 0xfeff) return { line: raw.slice(1) };
  if (first >= 48 && first <= 57) {
    const cri = CRI_PREFIX.exec(raw);
    return cri ? { line: raw.slice(cri[0].length), time: parseLeadingTime(cri[1]!)?.time } : undefined;
  }
  if (first === 34 /* " */) return csvRow(raw.trimEnd());
  if (raw.startsWith(DOCKER_JSON)) {
    const record = tryJson(raw.trimEnd());
    if (typeof record?.log !== 'string') return undefined;
    return { line: record.log.replace(/\r?\n$/, ''), time: parseJsonTime(record.time) };
  }
  if (raw.startsWith(JOURNAL_JSON)) {
    const record = tryJson(raw.trimEnd());
    // MESSAGE is a string, or an array of bytes when it was not valid UTF-8.
    const message = record?.MESSAGE;
    const line = typeof message === 'string' ? message : Array.isArray(message) ? Buffer.from(message.filter((b): b is number => typeof b === 'number')).toString('utf8') : undefined;
    if (line === undefined) return undefined;
    const micros = Number(record!.__REALTIME_TIMESTAMP);
    const host = record!._HOSTNAME;
    return { line, time: Number.isFinite(micros) && micros > 0 ? Math.floor(micros / 1000) : undefined, source: typeof host === 'string' ? host : undefined };
  }
  return undefined;
}

/**
 * Peels a line's envelopes, outermost first and in any nesting (a CRI or docker record holding a compose
 * prefix holding syslog holding the product's own layout), and splits off the time, level, node hint
 * and fields: the message body that is left is what the template layer (interpret/) reads.
 */
export function shapeLine(raw: string): LineShape {
  const wrapped = unwrapEnvelope(raw);
  if (wrapped) {
    const inner = shapeLine(wrapped.line);
    inner.time ??= wrapped.time;
    inner.source ??= wrapped.source;
    return inner;
  }
  let line = raw.indexOf('\x1b') >= 0 ? raw.replace(ANSI, '') : raw;
  if (line.endsWith('\r')) line = line.slice(0, -1);
  // `cat -A`/`cat -e` (and editors showing line ends) mark each end with `$`.
  if (line.endsWith('$') && !line.endsWith('\\$')) line = line.slice(0, -1).trimEnd();
  const shape = peelPrefixes(line);
  if (shape.time === undefined && shape.level === undefined && shape.json === undefined) {
    // A UI's or tool's own prefix before the product's line: read from where a known layout starts.
    const inner = EMBEDDED_START.exec(shape.message);
    if (inner && inner.index > 0) {
      const innerShape = peelPrefixes(shape.message.slice(inner.index + inner[1]!.length));
      if (innerShape.time !== undefined || innerShape.json !== undefined) {
        innerShape.source ??= shape.source;
        return innerShape;
      }
    }
  }
  return shape;
}

// Where a product's own line may start after a prefix nobody standardised: a date, a JSON record,
// logfmt's time=, a bracketed TiKV/env_logger time, a klog header.
const EMBEDDED_START = /([\s|\]>:;,])(?:\{"|\[?\d{4}[-/]\d\d[-/]\d\d[T ]\d\d:\d\d:\d\d|time="|[IWEF]\d{4} \d\d:\d\d:\d\d\.\d{6} )/;

/** The prefixes before the product's own layout (compose, kubectl, syslog, docker log-driver), then the layout itself. */
function peelPrefixes(text: string): LineShape {
  let line = text;
  let source: string | undefined;
  let time: number | undefined;
  let yearless = false;
  for (let peeled = true; peeled; ) {
    peeled = false;
    // A Markdown quote (`> `) or bold/italic mark (`**`, `__` around a pasted block), or a syslog priority
    // (`<30>`, RFC 5424's `<14>1 `) before the line.
    const c = line.charCodeAt(0);
    const marker = c === 62 /* > */ || c === 60 /* < */ || c === 42 /* * */ || c === 95 /* _ */ ? MARKER.exec(line) : null;
    if (marker) {
      line = line.slice(marker[0].length);
      peeled = true;
    }
    // `grep -r`/`grep -n` over several logs: `pd-2.log:` or `logs/etcd-1.log:123:` names the node by its file.
    const grep = line.includes('.log') ? GREP_PREFIX.exec(line) : null;
    if (grep) {
      source = grep[1];
      line = line.slice(grep[0].length);
      peeled = true;
    }
    const compose = COMPOSE_PREFIX.exec(line);
    if (compose) {
      source = compose[1] ?? compose[2];
      line = line.slice(compose[0].length);
      peeled = true;
    }
    const syslog = SYSLOG_PREFIX.exec(line);
    if (syslog && !LEVEL_NAME.test(syslog[2]!) && !LEVEL_NAME.test(syslog[3]!)) {
      const stamp = parseLeadingTime(syslog[1]!);
      time = stamp?.time;
      yearless = stamp?.yearless === true;
      // docker's syslog/journald log-driver tag `image|name|id` names the container; else the host.
      source = DRIVER_TAG.exec(syslog[3]!)?.[1] ?? syslog[2];
      line = line.slice(syslog[0].length);
      peeled = true;
    }
    const driver = line.includes('|') ? DRIVER_PREFIX.exec(line) : null;
    if (driver) {
      source = driver[1];
      line = line.slice(driver[0].length);
      peeled = true;
    }
  }
  const shape = peelLayout(line, time, source);
  if (yearless && time !== undefined) {
    // The syslog stamp's time, kept because the product's own layout has none; else what it read, which
    // tells how the host's clock and zone differ from the product's stamps.
    if (shape.time === time) shape.yearless = 'stamp';
    else if (shape.time !== undefined) shape.stampedAt = time;
  }
  return shape;
}

/** The product's own layout: klog, zap console, JSON records, logfmt (logrus), leading times and a level. */
function peelLayout(text: string, outerTime: number | undefined, source: string | undefined): LineShape {
  let line = text;
  let time = outerTime;
  const tab = line.indexOf('\t');
  if (tab > 0 && tab < 40) {
    const zap = ZAP_CONSOLE.exec(line.trimEnd());
    // The same record as zap's JSON encoder writes it, so the JSON dialects read it alike.
    if (zap) return shapeJson({ ...(zap[6] === undefined ? {} : tryJson(zap[6])), level: zap[2], ts: zap[1], ...(zap[3] === undefined ? {} : { logger: zap[3] }), caller: zap[4], msg: zap[5] }, time, source);
  }
  const brace = line.indexOf('{"');
  if (brace >= 0 && brace < 40 && line.trimEnd().endsWith('}')) {
    const json = tryJson(line.slice(brace));
    if (json) return shapeJson(json, time, source);
  }
  // JSON records pasted run together (`...}{"level":...`) or cut by a terminal's wrapping: the fields of
  // the record the line starts or ends with, read one by one.
  const joined = line.lastIndexOf('}{"');
  if (joined >= 0 || (brace >= 0 && brace < 40)) {
    const partial = looseJson(line.slice(joined >= 0 ? joined + 1 : brace));
    if (partial) return shapeJson(partial, time, source);
  }
  line = line.trimStart();
  const klog = isDigit(line, 1) ? KLOG.exec(line) : null;
  if (klog) {
    const year = klog[2] !== undefined ? 2000 + Number(klog[2]) : new Date().getUTCFullYear();
    time = Date.UTC(year, +klog[3]! - 1, +klog[4]!, +klog[5]!, +klog[6]!, +klog[7]!) + fractionMs(klog[8]);
    return { time, level: normaliseLevel(klog[1]!), message: line.slice(klog[0].length), source, layout: line, ...(klog[2] === undefined ? { yearless: 'layout' as const } : {}) };
  }
  // A Go logger's prefix in brackets before the stamp: etcd 0.4 (`[etcd] Jul 30 20:50:13.509 INFO      | `),
  // InfluxDB (`[metastore] 2016/01/11 12:56:55 `), rqlite (`[store] 2024/06/26 07:45:20 `).
  const tagged = line.charCodeAt(0) === 91 /* [ */ ? PROGRAM_TAG.exec(line) : null;
  if (tagged) line = line.slice(tagged[0].length);
  // docker --timestamps or journald short-iso put a second timestamp before the program's own, which
  // starts the product's layout.
  let layout = line;
  let parsed = parseLeadingTime(line);
  let innerYearless: boolean | undefined;
  while (parsed) {
    time = parsed.time;
    innerYearless = parsed.yearless === true;
    layout = line;
    line = line.slice(parsed.length).trimStart();
    parsed = parseLeadingTime(line);
  }
  // Go's log with Ltime but no Ldate (goraft's `[raft]07:40:46.544269 `): the time of day alone orders nothing across days.
  if (time === undefined) {
    const clock = TIME_OF_DAY.exec(line);
    if (clock) line = line.slice(clock[0].length);
  }
  if (line.startsWith('time=') || line.startsWith('level=')) {
    const logfmt = parseLogfmt(line);
    if (logfmt) return shapeLogfmt(logfmt, time, source, layout);
  }
  let level: string | undefined;
  const located = line.includes('.go:') ? GO_FILE_LEVEL.exec(line) : null;
  if (located) {
    // PD 2.x/3.x: `log.go:88: [info] etcdserver: [message]`, etcd's capnslog line inside it at times.
    level = normaliseLevel(located[1]!);
    line = line.slice(located[0].length).replace(BRACKETED_BODY, '$1$2');
  }
  const tty = line.charCodeAt(4) === 91 /* [ */ ? LOGRUS_TTY.exec(line) : null;
  // logrus's terminal layout counts seconds since start unless it prints the full time.
  if (tty) time ??= parseLeadingTime(tty[2]!)?.time;
  const lv = tty ?? LEVEL_WORD.exec(line);
  if (lv) {
    level = located ? level : normaliseLevel(lv[1]!);
    line = line.slice(lv[0].length);
  }
  return { time, level, message: line, source, layout, ...(innerYearless ? { yearless: 'layout' as const } : {}) };
}

// glog/klog (Kubernetes components): `I0718 09:22:53.123456    1 file.go:42] message`; CockroachDB's
// glog of 2016 adds the year and drops the thread and bracket: `I160413 05:12:15.658024 raft/raft.go:469  message`.
const KLOG = /^([IWEF])(\d\d)?(\d\d)(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?\s+(?:\d+ )?[\w./-]+:\d+\]?\s+/;
// logrus's terminal layout: `INFO[0001] message   key=value`.
const LOGRUS_TTY = /^(DEBU|INFO|WARN|ERRO|FATA|PANI)\[([^\]]*)\] /;
const GREP_PREFIX = /^(?:[\w./-]*\/)?([\w.-]+?)\.log(?:\.\d+)?:(?:\d+[:-])?/;
const MARKER = /^(?:> ?|<\d{1,3}>(?:1 )?|\*\*(?=\S))/;
const TIME_OF_DAY = /^(?:\[\w+\] ?)?\d\d:\d\d:\d\d(?:\.\d+)? /;
const GO_FILE_LEVEL = /^[\w./-]+\.go:\d+: \[(debug|info|warning|warn|error|fatal)\] /i;
const BRACKETED_BODY = /^((?:[IWEDNC] \| )?(?:[\w.-]+: )?)\[(.*)\]$/;
// docker's log-driver tag without a syslog header: `image|name|id[pid]: `.
const DRIVER_PREFIX = /^[^\s|]+\|([^\s|]+)\|[0-9a-f]{12,64}(?:\[\d+\])?: /;
const DRIVER_TAG = /^[^\s|]+\|([^\s|]+)\|/;
const LOGFMT_PAIR = /([\w.-]+)=("(?:[^"\\]|\\.)*"|[^\s"]*)/g;

/** logfmt's `key=value key="quoted value"` pairs (logrus, Docker, SwarmKit); undefined without a msg and a level. */
function parseLogfmt(line: string): Record<string, string> | undefined {
  const fields: Record<string, string> = {};
  for (const m of line.matchAll(LOGFMT_PAIR)) {
    const value = m[2]!;
    fields[m[1]!] = value.startsWith('"') ? value.slice(1, -1).replace(/\\(["\\])/g, '$1').replace(/\\n/g, ' ') : value;
  }
  return fields.msg !== undefined && fields.level !== undefined ? fields : undefined;
}

function shapeLogfmt(fields: Record<string, string>, outerTime: number | undefined, source: string | undefined, layout: string): LineShape {
  // The message may itself be a library's line with its own level (hclog through a std logger).
  const inner = peelLayout(fields.msg!, undefined, undefined);
  const time = fields.time !== undefined ? (parseLeadingTime(fields.time)?.time ?? outerTime) : outerTime;
  return { time: inner.time ?? time, level: inner.level ?? normaliseLevel(fields.level!), message: inner.message, json: fields, logfmt: true, source, layout };
}

const JSON_PAIR = /"([\w.@-]+)":(?:"((?:[^"\\]|\\.)*)"|(-?\d+(?:\.\d+)?|true|false|null))/g;

/** The complete `"key":value` pairs of a cut JSON record; undefined without a message among them. */
function looseJson(text: string): Record<string, unknown> | undefined {
  const record: Record<string, unknown> = {};
  for (const m of text.matchAll(JSON_PAIR)) {
    const raw = m[2];
    record[m[1]!] = raw !== undefined ? raw.replace(/\\(["\\/])/g, '$1') : m[3] === 'true' ? true : m[3] === 'false' ? false : m[3] === 'null' ? null : Number(m[3]);
  }
  return 'msg' in record || '@message' in record || 'message' in record ? record : undefined;
}

function tryJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function shapeJson(json: Record<string, unknown>, outerTime: number | undefined, source: string | undefined): LineShape {
  const fields = json.fields;
  if (fields !== null && typeof fields === 'object') {
    // tracing-subscriber's JSON puts the message and fields under "fields"
    for (const [key, value] of Object.entries(fields as Record<string, unknown>)) if (!(key in json)) json[key] = value;
  }
  let message = String(json.msg ?? json['@message'] ?? json.message ?? '');
  let level = json.level ?? json['@level'] ?? json.severity;
  // hclog redirected into zap: the inner "[WARN]  text" is the real level and message.
  const inner = /^\[(TRACE|DEBUG|INFO|WARN|ERROR|ERR)\]\s+/.exec(message);
  if (inner) {
    level = inner[1];
    message = message.slice(inner[0].length);
  }
  const time = parseJsonTime(json.ts ?? json['@timestamp'] ?? json.timestamp ?? json.time) ?? outerTime;
  return { time, level: typeof level === 'string' ? normaliseLevel(level) : undefined, message, json, source };
}

export function normaliseLevel(level: string): string {
  const upper = level.toUpperCase();
  switch (upper) {
    case 'D':
    case 'DBG':
    case 'DEBU':
    case 'TRC':
    case 'DEBG':
    case 'TRCE':
    case 'TRACE':
      return 'DEBUG';
    case 'I':
    case 'INF':
    case 'N':
    case 'NOTICE':
      return 'INFO';
    case 'W':
    case 'WRN':
    case 'WARNING':
      return 'WARN';
    case 'E':
    case 'ERR':
    case 'ERRO':
      return 'ERROR';
    case 'C':
    case 'CRIT':
    case 'F':
    case 'FTL':
    case 'FATA':
    case 'PANI':
    case 'FATAL':
    case 'PANIC':
      return 'FATAL';
    default:
      return upper;
  }
}
