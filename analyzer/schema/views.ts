// The views' --json and --csv rows: a tabular view declares a ViewTable, whose columns are the
// schema's for its kind (tables.ts, documented in docs/schema.md) plus the few of its own listed
// in `extra` (documented in the README). The renderer (analyzer/render.ts) writes a table's
// items as the classic tool's text lines, as NDJSON or as CSV.
import type { ViewContext } from '../pipeline.js';
import { csvField, csvValue, jsonValue } from './values.js';
import { rowContext, type RowContext } from './rows.js';
import { TABLES, type ColumnType, type TableName, type Value } from './tables.js';
import type { EventTable } from './fields.js';

/** A view's own columns may also be lists of numbers (argv indices); they never go to Arrow. */
export type ViewColumnType = ColumnType | 'list_u32';
/** A view row: the schema's values, and lists of numbers for list_u32 columns. */
export type ViewRow = { [column: string]: Value | readonly number[] };
export interface ViewColumn { readonly name: string; readonly type: ViewColumnType; readonly doc: string }

export interface ViewTable<Item> {
  /** The command whose rows these are (for the README's list of view columns). */
  readonly view: string;
  /** The schema table whose columns every row carries first; null for a view's own table (counts). */
  readonly schema: TableName | null;
  /** Columns of the view's own, after the schema's. */
  readonly extra: readonly ViewColumn[];
  /** --json / --csv: the row of an item (every column named in schema and extra). */
  row(item: Item, ctx: ViewContext): ViewRow;
  /** Text: the classic tool's line for an item (a Uint8Array is written as it is: ttysnoop's raw bytes). */
  text(item: Item, ctx: ViewContext): string | Uint8Array;
  /** --json: the items are records of this event table with no column of the view's own: their
   * lines are written as bytes by export's line writer (schema/lines.ts), guarded; the same bytes
   * as jsonLine(row()). */
  readonly lines?: EventTable;
  /** Text: the column header line, written before the first line. */
  header?(ctx: ViewContext): string;
}

const columnCache = new WeakMap<ViewTable<any>, readonly ViewColumn[]>();
/** Every column of a view table, in order. */
export function columnsOf(t: ViewTable<any>): readonly ViewColumn[] {
  let cols = columnCache.get(t);
  if (!cols) {
    const names = new Set<string>();
    cols = [...(t.schema ? TABLES[t.schema].columns : []), ...t.extra];
    for (const c of cols) { if (names.has(c.name)) throw new Error(`${t.view}: column ${c.name} twice`); names.add(c.name); }
    columnCache.set(t, cols);
  }
  return cols;
}

const listU32Json = (v: ViewRow[string]): string => JSON.stringify(v);

const keyCache = new WeakMap<readonly ViewColumn[], string[]>();
/** One NDJSON line: the columns in order, bytes as base64, 64-bit integers exact. */
export function jsonLine(cols: readonly ViewColumn[], row: ViewRow): string {
  let keys = keyCache.get(cols);
  if (!keys) { keys = cols.map((c, i) => `${i ? ',' : '{'}${JSON.stringify(c.name)}:`); keyCache.set(cols, keys); }
  let s = '';
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i]!;
    const v = row[c.name] ?? null;
    s += keys[i]! + (c.type === 'list_u32' ? (v === null ? 'null' : listU32Json(v)) : jsonValue(v as Value, c.type));
  }
  return s + '}';
}
/** One CSV line (RFC 4180 quoting); lists are JSON arrays, bytes base64; null is an empty field,
 * an empty string or empty bytes a quoted one (""). */
export function csvLine(cols: readonly ViewColumn[], row: ViewRow): string {
  return cols.map((c) => {
    const v = row[c.name] ?? null;
    if (v === '' || (v instanceof Uint8Array && v.length === 0)) return '""'; // empty, not null
    if (c.type !== 'list_u32') return csvValue(v as Value, c.type);
    return v === null ? '' : csvField(listU32Json(v));
  }).join(',');
}
export const csvHeaderOf = (cols: readonly ViewColumn[]): string => cols.map((c) => c.name).join(',');

const cache = new WeakMap<ViewContext, RowContext>();
/** The row context of a view run: its header's clock and users, and the pipeline's process tree. */
export function rowsFor(ctx: ViewContext): RowContext {
  let rc = cache.get(ctx);
  if (!rc) { rc = rowContext(ctx.header, ctx.tree); cache.set(ctx, rc); }
  return rc;
}

export { rowOf, processRow, own, text } from './rows.js';
