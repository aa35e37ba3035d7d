// Export's CSV and NDJSON lines, written as bytes into one reused buffer: a record's values go
// from the decoded record to the buffer (digits, escaped bytes, base64) with no string per value
// and no line string. The common values take a byte path; anything else (lists, values of an
// unexpected type, non-ASCII strings) is written as the text values.ts gives it, so the bytes
// are those of toCsvLine/toJsonLine (test/analyzer/lines.test.ts compares them). The views' --json
// lines are these too, guarded for the terminal (render.ts): guard() changes only characters that
// JSON does not escape, so only such text (DEL and non-ASCII) takes the guarded text path.
import { isUtf8 } from 'node:buffer';
import type { HostClock } from './clock.js';
import { epochColumns, epochOf, writeNine, writeTime, type EpochSecond } from './epoch.js';
import { compileFields, FIELDS, type EventTable, type Source } from './fields.js';
import { EVENT, PRE, PROC } from './spec.js';
import { TABLES, type ColumnType, type Row, type TableName, type Value } from './tables.js';
import { csvValue, jsonValue } from './values.js';
import { guard } from '../text.js';

export type TextFormat = 'csv' | 'json';

export const csvHeader = (table: TableName): string => TABLES[table].columns.map((c) => c.name).join(',');

/** Free bytes at the start of a line: what its fixed-size pieces (labels, numbers, times) may take. */
const SLACK = 1 << 14;
const ascii = (s: string): Uint8Array => Buffer.from(s, 'latin1');
/** JSON's escape of each byte that JSON.stringify escapes in valid UTF-8 text, taken from it. */
const JSON_ESCAPES: (Uint8Array | null)[] = Array.from({ length: 256 }, (_, b) => {
  const e = JSON.stringify(String.fromCharCode(b)).slice(1, -1);
  return b < 0x80 && e.length > 1 ? ascii(e) : null;
});
const B64 = ascii('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
const NULL = ascii('null');
/** "00" … "99". */
const PAIRS = ascii(Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).join(''));
const TRUE = ascii('true');
const FALSE = ascii('false');

type Utf8Writes = Buffer & { utf8Write(s: string, offset: number): number };

/** One table's lines into a buffer; `out` takes the bytes so far when it fills (and at drain()), and
 * returns true when it keeps them (then the writer takes a new buffer). */
export abstract class LineWriter {
  protected buf: Buffer = Buffer.allocUnsafe(1 << 20);
  protected pos = 0;
  private epochs: EpochSecond | null = null;
  /** Per column: the last byte value found valid UTF-8 (comm is one interned buffer). */
  private readonly seen: (Uint8Array | null | undefined)[];
  private readonly names: readonly string[];
  private readonly lastObject: unknown[] = [];
  private readonly lastText: Uint8Array[] = [];
  protected constructor(table: TableName, private readonly labels: readonly Uint8Array[], private readonly ending: Uint8Array,
    readonly value: (v: Value, t: ColumnType) => string, private readonly types: readonly ColumnType[],
    private readonly out: (bytes: Uint8Array) => void | boolean) {
    this.seen = labels.map(() => null);
    this.names = TABLES[table].columns.map((c) => c.name);
  }


  /** At least n bytes free, besides the slack; while a piece is kept (keeping()), by growing the
   * buffer, so that the piece stays in it whole. */
  room(n: number): void {
    if (this.pos + n + SLACK <= this.buf.length) return;
    if (this.held >= 0) {
      const grown = Buffer.allocUnsafe(2 * (this.pos + n + SLACK));
      this.buf.copy(grown, 0, 0, this.pos);
      this.buf = grown;
      return;
    }
    this.drain();
    if (n + SLACK > this.buf.length) this.buf = Buffer.allocUnsafe(2 * (n + SLACK));
  }
  /** Where the piece being kept starts (-1: none). */
  private held = -1;
  /** What write() writes, as bytes kept apart (the writer's own bytes, so a kept piece put()
   * again cannot differ from one written). */
  keeping(write: () => void): Uint8Array {
    this.held = this.pos;
    try { write(); return Uint8Array.prototype.slice.call(this.buf, this.held, this.pos); } finally { this.held = -1; }
  }

  /** Hands out what is written so far. */
  drain(): void {
    if (this.pos && this.out(this.buf.subarray(0, this.pos)) === true) this.buf = Buffer.allocUnsafe(this.buf.length);
    this.pos = 0;
  }

  /** Bytes written before (a piece cut()): as they are. */
  put(b: Uint8Array): void {
    if (b.length > 16) { this.room(b.length); this.buf.set(b, this.pos); this.pos += b.length; return; } // set: ~16 ns flat; a loop ~1 ns a byte
    this.bytes(b);
  }
  protected bytes(b: Uint8Array): void {
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < b.length; i++) buf[p++] = b[i]!;
    this.pos = p;
  }
  protected text(s: string): void {
    this.room(s.length * 3);
    this.pos += (this.buf as Utf8Writes).utf8Write(s, this.pos);
  }
  protected label(j: number): void { this.bytes(this.labels[j]!); }

  /** A safe integer's digits (String(v)): two at a time from a table. */
  private int(v: number): void {
    const buf = this.buf;
    if (v < 0) { buf[this.pos++] = 0x2d; v = -v; }
    if (v < 10) { buf[this.pos++] = 0x30 + v; return; }
    let d = 2;
    for (let p = 100; p <= v && d < 16; p *= 10) d++;
    if (d === 16 && v >= 1e16) d = 17;
    let i = this.pos + d;
    this.pos = i;
    while (v >= 100) {
      const q = v < 2147483648 ? (v / 100) | 0 : Math.floor(v / 100);
      const r = (v - q * 100) << 1;
      buf[--i] = PAIRS[r + 1]!;
      buf[--i] = PAIRS[r]!;
      v = q;
    }
    if (v >= 10) { buf[--i] = PAIRS[(v << 1) + 1]!; buf[--i] = PAIRS[v << 1]!; } else buf[--i] = 0x30 + v;
  }
  private digits(s: string): void {
    const buf = this.buf;
    for (let i = 0; i < s.length; i++) buf[this.pos++] = s.charCodeAt(i);
  }
  protected base64(b: Uint8Array): void {
    this.room(((b.length + 2) / 3) * 4 + 8);
    const buf = this.buf;
    let p = this.pos;
    const n = b.length - (b.length % 3);
    for (let i = 0; i < n; i += 3) {
      const v = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
      buf[p] = B64[v >> 18]!; buf[p + 1] = B64[(v >> 12) & 63]!; buf[p + 2] = B64[(v >> 6) & 63]!; buf[p + 3] = B64[v & 63]!;
      p += 4;
    }
    if (b.length - n === 1) {
      const v = b[n]!;
      buf[p] = B64[v >> 2]!; buf[p + 1] = B64[(v & 3) << 4]!; buf[p + 2] = 0x3d; buf[p + 3] = 0x3d;
      p += 4;
    } else if (b.length - n === 2) {
      const v = (b[n]! << 8) | b[n + 1]!;
      buf[p] = B64[v >> 10]!; buf[p + 1] = B64[(v >> 4) & 63]!; buf[p + 2] = B64[(v & 15) << 2]!; buf[p + 3] = 0x3d;
      p += 4;
    }
    this.pos = p;
  }
  /** Is v's text valid UTF-8 (its last valid value per column is remembered; ASCII is checked
   * here, cheaper than a call out for a short value)? */
  protected valid(j: number, v: Uint8Array): boolean {
    if (v === this.seen[j]) return true;
    let i = 0;
    while (i < v.length && v[i]! < 0x80) i++;
    if (i < v.length && !isUtf8(v)) return false;
    this.seen[j] = v;
    return true;
  }
  private epoch(clock: HostClock): EpochSecond { return this.epochs = epochOf(this.epochs, clock); }

  /** Column j's value as the text values.ts gives (csvField passes a non-string through, and the
   * line took it as text). */
  other(j: number, s: string): void { this.label(j); this.text(this.safe('' + s)); }
  /** Text written as it is (the guarded JSON writer: guard()ed). */
  protected safe(s: string): string { return s; }
  /** An integer column (number or bigint; a 64-bit field a record does not set reads as its
   * message's shared default Long, whose text is kept by identity). */
  num(j: number, v: Value): void {
    if (typeof v === 'number' && Number.isSafeInteger(v)) { this.label(j); this.int(v); return; }
    if (typeof v !== 'object' || v === null) { this.other(j, this.value(v, this.types[j]!)); return; }
    if (v !== this.lastObject[j]) { this.lastObject[j] = v; this.lastText[j] = Buffer.from(this.value(v, this.types[j]!), 'utf8'); }
    this.label(j);
    this.room(this.lastText[j]!.length);
    this.bytes(this.lastText[j]!);
  }
  bool(j: number, v: Value): void {
    if (v === null || v === undefined) { this.other(j, this.value(v, 'bool')); return; }
    this.label(j);
    this.bytes(v ? TRUE : FALSE);
  }
  /** ts_ns of a record at offset ts. */
  epochNs(j: number, clock: HostClock, ts: number): void {
    const e = this.epoch(clock);
    const frac = e.at(ts);
    if (frac < 0) { this.other(j, this.value(clock.epochNs(ts), 'i64')); return; }
    this.label(j);
    this.digits(e.digits);
    this.pos = writeNine(this.buf, this.pos, frac);
  }
  /** time of a record at offset ts. */
  time(j: number, clock: HostClock, ts: number): void {
    const e = this.epoch(clock);
    const frac = e.at(ts);
    if (frac < 0) { this.str(j, clock.text(clock.epochNs(ts))); return; }
    this.label(j);
    this.quote();
    this.pos = writeTime(this.buf, this.pos, e, frac);
    this.quote();
  }
  /** The line's end. */
  end(): void { this.bytes(this.ending); }
  /** A row's line (the processes table, built as rows), each value as values.ts writes it. */
  row(row: Row): void {
    for (let j = 0; j < this.names.length; j++) this.other(j, this.value(row[this.names[j]!] ?? null, this.types[j]!));
    this.end();
  }

  protected abstract quote(): void;
  abstract str(j: number, v: Value): void;
  /** Raw bytes (null or undefined: empty). */
  abstract bin(j: number, v: Uint8Array | null | undefined): void;
  /** Raw bytes as lossless text (null when not valid UTF-8, '' when empty). */
  abstract binText(j: number, v: Uint8Array | null | undefined): void;
}

class JsonLines extends LineWriter {
  constructor(table: TableName, types: readonly ColumnType[], out: (bytes: Uint8Array) => void | boolean, private readonly guarded: boolean) {
    super(table, TABLES[table].columns.map((c, j) => ascii(`${j ? ',' : '{'}"${c.name}":`)), ascii('}\n'), jsonValue, types, out);
  }
  protected override safe(s: string): string { return this.guarded ? guard(s) : s; }
  protected quote(): void { this.buf[this.pos++] = 0x22; }
  str(j: number, v: Value): void {
    if (typeof v !== 'string') { this.other(j, this.value(v, 'str')); return; }
    this.label(j);
    this.room(v.length + 2);
    const buf = this.buf;
    const start = this.pos;
    let p = start;
    buf[p++] = 0x22;
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) { this.pos = start; this.text(this.safe(JSON.stringify(v))); return; }
      buf[p++] = c;
    }
    buf[p++] = 0x22;
    this.pos = p;
  }
  bin(j: number, v: Uint8Array | null | undefined): void {
    this.label(j);
    this.quote();
    if (v) this.base64(v);
    this.quote();
  }
  binText(j: number, v: Uint8Array | null | undefined): void {
    this.label(j);
    if (v && v.length && !this.valid(j, v)) { this.bytes(NULL); return; }
    if (this.guarded && v && unsafe(v)) { this.text(guard(JSON.stringify(Buffer.from(v.buffer, v.byteOffset, v.length).toString('utf8')))); return; }
    this.quote();
    if (v) {
      this.room(v.length * 6);
      const buf = this.buf;
      let p = this.pos;
      for (let i = 0; i < v.length; i++) {
        const b = v[i]!;
        if (b < 0x20 || b === 0x22 || b === 0x5c) {
          const e = JSON_ESCAPES[b]!;
          for (let k = 0; k < e.length; k++) buf[p++] = e[k]!;
        } else buf[p++] = b;
      }
      this.pos = p;
    }
    this.quote();
  }
}

/** Holds a byte guard() may change in text JSON leaves as it is: DEL, or any non-ASCII. */
function unsafe(v: Uint8Array): boolean {
  for (let i = 0; i < v.length; i++) if (v[i]! >= 0x7f) return true;
  return false;
}

/** Bytes CSV quotes a field for: " , \r \n. */
const csvSpecial = (c: number): boolean => c === 0x22 || c === 0x2c || c === 0x0d || c === 0x0a;

class CsvLines extends LineWriter {
  constructor(table: TableName, types: readonly ColumnType[], out: (bytes: Uint8Array) => void | boolean) {
    super(table, TABLES[table].columns.map((_, j) => ascii(j ? ',' : '')), ascii('\n'), csvValue, types, out);
  }
  protected quote(): void { /* CSV's times, base64 and digits need no quotes */ }
  str(j: number, v: Value): void {
    if (typeof v !== 'string') { this.other(j, this.value(v, 'str')); return; }
    this.label(j);
    this.room(v.length);
    const buf = this.buf;
    const start = this.pos;
    let p = start;
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c > 0x7e || csvSpecial(c)) { this.pos = start; this.text(this.value(v, 'str')); return; }
      buf[p++] = c;
    }
    this.pos = p;
  }
  bin(j: number, v: Uint8Array | null | undefined): void {
    this.label(j);
    if (v) this.base64(v);
  }
  binText(j: number, v: Uint8Array | null | undefined): void {
    this.label(j);
    if (!v || !v.length || !this.valid(j, v)) return;
    let quoted = false;
    for (let i = 0; i < v.length && !quoted; i++) quoted = csvSpecial(v[i]!);
    this.room(2 * v.length + 2);
    const buf = this.buf;
    let p = this.pos;
    if (!quoted) for (let i = 0; i < v.length; i++) buf[p++] = v[i]!;
    else {
      buf[p++] = 0x22;
      for (let i = 0; i < v.length; i++) { const b = v[i]!; buf[p++] = b; if (b === 0x22) buf[p++] = 0x22; }
      buf[p++] = 0x22;
    }
    this.pos = p;
  }
}

const TYPES = (t: TableName): ColumnType[] => TABLES[t].columns.map((c) => c.type);

/** A table's line writer for a format; `guarded`: JSON for a terminal (the views' --json: text.ts' guard()). */
export function lineWriter(table: TableName, format: TextFormat, out: (bytes: Uint8Array) => void | boolean, guarded = false): LineWriter {
  return format === 'csv' ? new CsvLines(table, TYPES(table), out) : new JsonLines(table, TYPES(table), out, guarded);
}

/** Record r's line of an event table into W (rows.ts's context c and helpers H). */
export type RecordLine = (r: unknown, c: unknown, H: unknown, W: LineWriter) => void;
const LIST: { [S in Source]?: string } = { list_bin: 'H.raws', list_text: 'H.texts' };
const VAL: { [T in ColumnType]?: string } = { str: 'str', bool: 'bool', i32: 'num', u32: 'num', i64: 'num' };

/** Compiled from the table's fields, per format: each column one writer call (monomorphic sites). */
function compile(table: EventTable): RecordLine {
  const { spec, time } = epochColumns(FIELDS[table]);
  return compileFields<RecordLine>(spec, columnEmit(table, time), 'T.end();');
}

/** The writer call of column j (its index in the table) from its source and expression. */
function columnEmit(table: EventTable, time: readonly (string | null | undefined)[], base = 0): (j: number, n: string, source: Source, expr: string) => string {
  const types = TYPES(table);
  return (jj, _n, source, expr) => {
    const j = jj + base;
    const t = time[j];
    if (t) return `T.${t === 'epoch' ? 'epochNs' : 'time'}(${j}, c.clock, r.ts);`;
    if (source === 'bin' || source === 'bin_text') return `T.${source === 'bin' ? 'bin' : 'binText'}(${j}, ${expr});`;
    const list = LIST[source];
    if (list) return `T.other(${j}, T.value(${list}(${expr}), ${JSON.stringify(types[j])}));`;
    const m = VAL[types[j]!];
    return m ? `T.${m}(${j}, ${expr});` : `T.other(${j}, T.value(${expr}, ${JSON.stringify(types[j])}));`;
  };
}

/** Writes the body columns of a record (all but the event columns) from its body `x` alone. */
export type BodyLine = (x: unknown, c: unknown, H: unknown, W: LineWriter) => void;
/** What makes a column depend on more than the body: the record, its time, its process, the tree, the clock. */
const NOT_BODY = /\br\.|\bP\b|\bns\b|\bp\b|c\.tree|c\.clock/;

/** The body columns' writer of an event table whose body columns (and the locals they read) are a
 * function of the body alone (and the capture's arch), else null: those lines can be kept by body. */
export function bodyLine(table: EventTable, format: TextFormat): BodyLine | null {
  const key = `${format} ${table}`;
  if (!bodies.has(key)) bodies.set(key, compileBody(table));
  return bodies.get(key)!;
}
const bodies = new Map<string, BodyLine | null>();

function compileBody(table: EventTable): BodyLine | null {
  const spec = FIELDS[table];
  if (spec.cols.slice(0, EVENT.length).some(([n], j) => n !== EVENT[j]![0])) return null;
  const pre = spec.pre.replace(PRE(spec.body), '').replace(PROC, '');
  const cols = spec.cols.slice(EVENT.length);
  if (NOT_BODY.test(pre) || cols.some(([, [, expr]]) => NOT_BODY.test(expr))) return null;
  return compileFields<BodyLine>({ body: spec.body, pre: `const x = r; ${pre}`, cols }, columnEmit(table, [], EVENT.length));
}

const compiled = new Map<string, RecordLine>();
/** The line writer code of an event table for one format (compiled per format so that each call
 * site sees one writer class). */
export function recordLine(table: EventTable, format: TextFormat): RecordLine {
  const key = `${format} ${table}`;
  let f = compiled.get(key);
  if (!f) compiled.set(key, f = compile(table));
  return f;
}
