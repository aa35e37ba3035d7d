// Rows → NDJSON lines, CSV lines and Arrow tables. Bytes are raw: base64 in JSON and CSV, binary
// in Arrow; 64-bit integers are written exactly (JSON numbers as digits, never rounded).
import * as fl from '@uwdata/flechette';
import { ArrowColumns, compileRowCode } from './columns.js';
import { TABLE_NAMES, TABLES, type Column, type ColumnType, type Row, type TableName, type Value } from './tables.js';
import { b64, csvValue, jsonValue } from './values.js';

const TYPES = Object.fromEntries(TABLE_NAMES.map((t) => [t, TABLES[t].columns.map((c) => c.type)])) as { [T in TableName]: ColumnType[] };


/** What comes before column j's value in a line. */
const lineLabel = (table: TableName, format: 'json' | 'csv') => (j: number): string =>
  (format === 'csv' ? (j ? ',' : '') : `${j ? ',' : '{'}"${TABLES[table].columns[j]!.name}":`);

type Encode = (r: Row, value: (v: Value, t: ColumnType) => string, types: readonly ColumnType[]) => string;
const encoders = new Map<string, Encode>();
/** A table's line encoder, compiled once: the columns' texts joined, each beside its `label`. */
function encoder(table: TableName, format: 'json' | 'csv'): Encode {
  const key = `${format} ${table}`;
  let f = encoders.get(key);
  if (!f) {
    const cols = TABLES[table].columns;
    const label = lineLabel(table, format);
    f = compileRowCode<Encode>(cols.map((c) => c.name), ['value', 'types'], (load) =>
      `return ${cols.map((_, j) => `${JSON.stringify(label(j))} + value(${load(j)}, types[${j}])`).join(' + ')}${format === 'json' ? " + '}'" : ''};`);
    encoders.set(key, f);
  }
  return f;
}

/** One JSON object, columns in schema order. */
export function toJsonLine(table: TableName, row: Row): string {
  return encoder(table, 'json')(row, jsonValue, TYPES[table]);
}

/** The row as a plain JSON-ready object: bytes as base64, 64-bit integers as numbers when exact,
 * else as decimal text (for consumers that want objects, not lines). */
export function toJsonObject(table: TableName, row: Row): { [k: string]: unknown } {
  const o: { [k: string]: unknown } = {};
  for (const c of TABLES[table].columns) {
    const v = row[c.name] ?? null;
    if (v === null) o[c.name] = null;
    else if (c.type === 'bin') o[c.name] = b64(v as Uint8Array);
    else if (c.type === 'list_bin') o[c.name] = (v as Uint8Array[]).map(b64);
    else if (typeof v === 'bigint') o[c.name] = Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    else o[c.name] = v;
  }
  return o;
}

export { csvHeader } from './lines.js';
export function toCsvLine(table: TableName, row: Row): string {
  return encoder(table, 'csv')(row, csvValue, TYPES[table]);
}

/** The Arrow type of a column. */
export function arrowType(c: Column): fl.DataType {
  switch (c.type) {
    case 'str': return c.name === 'hostname' || c.name === 'boot_id' ? fl.dictionary(fl.utf8()) : fl.utf8();
    case 'bool': return fl.bool();
    case 'i32': return fl.int32();
    case 'u32': return fl.uint32();
    case 'i64': return fl.int64();
    case 'bin': return fl.binary();
    case 'list_bin': return fl.list(fl.binary());
    case 'list_str': return fl.list(fl.utf8());
  }
}

/** An empty Arrow table of the schema's types, to append rows to (export's parts). */
export function arrowColumns(table: TableName): ArrowColumns {
  return new ArrowColumns(TABLES[table].columns.map((c) => ({ name: c.name, type: arrowType(c) })));
}

/** Rows of one table → an Arrow table with the schema's types (also for zero rows). */
export function toArrowTable(table: TableName, rows: readonly Row[]): fl.Table {
  const cols = arrowColumns(table);
  for (const r of rows) cols.add(r);
  return cols.take();
}

/** Arrow IPC bytes of a table (file format when `file`, else stream format). */
export const arrowIpc = (t: fl.Table, file: boolean): Uint8Array => fl.tableToIPC(t, { format: file ? 'file' : 'stream' })!;

/** Arrow IPC bytes (file format when `file`, else stream format). */
export function toArrowIpc(table: TableName, rows: readonly Row[], file = true): Uint8Array {
  return arrowIpc(toArrowTable(table, rows), file);
}
