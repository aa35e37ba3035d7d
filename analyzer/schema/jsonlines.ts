// A record's NDJSON line in its table, compiled per table from schema/fields.ts with code per
// column type (no row object, no per-value switch) and the text of short byte values cached: the
// same bytes as toJsonLine/jsonLine of the record's row, already guarded (guard() maps characters
// one by one, so it is applied to the few strings that need it, not to the whole line).
import type { Record } from '../../format/index.js';
import { compileFields, FIELDS, type EventTable } from './fields.js';
import { HELPERS, text, type RowContext } from './rows.js';
import { TABLES, type ColumnType, type Value } from './tables.js';
import { b64, jsonValue, PLAIN } from './values.js';
import { guard } from '../text.js';

/** A JSON string of s (or of a value written as one), guarded. */
const jsonString = (s: unknown): string => (PLAIN.test(s as string) ? `"${s as string}"` : guard(JSON.stringify(s)));

/** Byte values up to this long are cached by content (comm, common paths repeat). */
const CACHED = 64;
const CACHE_ENTRIES = 20_000;
const latin1 = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, s: number, e: number): string }).latin1Slice;

/** Per compiled table: the helpers its code calls as T.… and its caches. */
class LineState {
  readonly types: readonly ColumnType[];
  /** Per column: the last string value and its JSON (hostname, process ids repeat row after row). */
  readonly lastValue: unknown[];
  readonly lastJson: string[];
  /** Per bytes column: content → both columns' text, labels included. */
  readonly bytes: Map<string, string>[];
  constructor(table: EventTable) {
    this.types = TABLES[table].columns.map((c) => c.type);
    const n = this.types.length;
    this.lastValue = new Array<unknown>(n).fill(undefined);
    this.lastJson = new Array<string>(n).fill('');
    this.bytes = Array.from({ length: n }, () => new Map<string, string>());
  }

  str(j: number, v: unknown): string {
    if (v === null || v === undefined) return 'null';
    if (v === this.lastValue[j]) return this.lastJson[j]!;
    const s = jsonString(v);
    this.lastValue[j] = v;
    this.lastJson[j] = s;
    return s;
  }

  /** A bytes column and its _text column: `"name":"base64","name_text":"text"` (labels given). */
  pair(j: number, b: Uint8Array | null | undefined, bytesLabel: string, textLabel: string): string {
    if (!b || b.length === 0) return `${bytesLabel}""${textLabel}""`;
    if (b.length > CACHED) return this.pairText(b, bytesLabel, textLabel);
    const cache = this.bytes[j]!;
    const key = latin1.call(b, 0, b.length);
    let s = cache.get(key);
    if (s === undefined) {
      if (cache.size >= CACHE_ENTRIES) cache.clear();
      s = this.pairText(b, bytesLabel, textLabel);
      cache.set(key, s);
    }
    return s;
  }

  private pairText(b: Uint8Array, bytesLabel: string, textLabel: string): string {
    const t = text(b);
    return `${bytesLabel}"${b64(b)}"${textLabel}${t === null ? 'null' : jsonString(t)}`;
  }

  /** Any other column: as jsonValue writes it, guarded. */
  value(v: Value, j: number): string { return guard(jsonValue(v, this.types[j]!)); }
}

type Line = (r: Record, c: RowContext, H: typeof HELPERS, T: LineState) => string;
const compiled = new Map<EventTable, { line: Line; state: LineState }>();

function compile(table: EventTable): { line: Line; state: LineState } {
  const spec = FIELDS[table];
  const types = TABLES[table].columns.map((c) => c.type);
  const label = (j: number): string => JSON.stringify(`${j ? ',' : '{'}"${spec.cols[j]![0]}":`);
  const line = compileFields<Line>(spec, (j, name, source, expr) => {
    const t = types[j]!;
    const next = spec.cols[j + 1];
    if (source === 'bin' && next && next[0] === `${name}_text` && next[1][0] === 'bin_text' && next[1][1] === expr) {
      return `${j ? 's +=' : 'let s ='} T.pair(${j}, ${expr}, ${label(j)}, ${label(j + 1)});`;
    }
    if (source === 'bin_text' && spec.cols[j - 1]?.[1][0] === 'bin' && spec.cols[j - 1]?.[1][1] === expr && spec.cols[j - 1]?.[0] === name.slice(0, -5)) return '';
    const at = `${j ? 's +=' : 'let s ='} ${label(j)} +`;
    if (source !== 'val') {
      const value = { bin: `H.raw(${expr})`, bin_text: `H.textOf(${expr})`, list_bin: `H.raws(${expr})`, list_text: `H.texts(${expr})` }[source];
      return `${at} T.value(${value}, ${j});`;
    }
    switch (t) {
      case 'i32': case 'u32': case 'i64': return `{ const v = ${expr}; ${at} (v === null || v === undefined ? 'null' : String(v)); }`;
      case 'bool': return `{ const v = ${expr}; ${at} (v === null || v === undefined ? 'null' : v ? 'true' : 'false'); }`;
      case 'str': return `${at} T.str(${j}, ${expr});`;
      default: return `${at} T.value(${expr}, ${j});`;
    }
  }, "return s + '}';");
  return { line, state: new LineState(table) };
}

/** Record r's NDJSON line in `table` (r must be of the table's kind), guarded; `c` as the row builders'. */
export function recordJson(table: EventTable, r: Record, c: RowContext): string {
  let f = compiled.get(table);
  if (f === undefined) { f = compile(table); compiled.set(table, f); }
  return f.line(r, c, HELPERS, f.state);
}
