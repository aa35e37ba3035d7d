// Where each column of an event table comes from (each kind of analyzer/kinds/ declares its own):
// one JavaScript expression per column over the decoded record `r`, its body `x` and the row
// context `c`. The row builders (rows.ts), the Arrow column feeders (columns.ts) and the text line
// encoders (encode.ts) are all compiled from these lists, once per table, so the three cannot
// disagree, and export appends a record's values to its columns (or its line) with no row object
// in between.
import { TABLES, type TableName } from './tables.js';
import { event, EVENT, PRE, PROC, type FieldSpec, type Source } from './spec.js';
import { byTable } from '../kinds/index.js';

export type { FieldSpec, Source } from './spec.js';

/** The tables built from one record (processes comes from the process tree: rows.ts). */
export type EventTable = Exclude<TableName, 'processes'>;

const KIND_FIELDS = byTable((k) => event(k.body, k.fields.cols, k.fields.pre));

export const FIELDS: { readonly [T in EventTable]: FieldSpec } = {
  ...KIND_FIELDS,
  lost: {
    body: 'lost', pre: PRE('lost'),
    cols: [...EVENT.slice(0, 5), ['probe', ['val', "x.probe ?? ''"]], ['lane', ['val', "x.lane ?? ''"]], ['count', ['val', 'x.count ?? 0']]],
  },
};

/** The body oneof name → its table. */
export const TABLE_OF_BODY: ReadonlyMap<string, EventTable> = new Map(Object.entries(FIELDS).map(([t, s]) => [s.body, t as EventTable]));

/** The event columns alone (for eventRow), with the body-free prelude. */
export const EVENT_FIELDS: FieldSpec = { body: '', pre: `const ns = c.clock.epochNs(r.ts); ${PROC}`, cols: EVENT };

/** Compiles `(r, c, H, T, p) => …` from a table's spec: `pre`, then `emit(j, source, expr)` per
 * column in schema order (each emit sees one column, so its call site stays monomorphic). */
export function compileFields<F>(spec: FieldSpec, emit: (j: number, name: string, source: Source, expr: string) => string, ret = ''): F {
  const body = `${spec.pre}\n${spec.cols.map(([name, [source, expr]], j) => emit(j, name, source, expr)).join('\n')}\n${ret}`;
  return new Function('r', 'c', 'H', 'T', 'p', body) as F;
}

/** The table's columns match the schema's, in order (checked once at load). */
for (const [t, s] of Object.entries(FIELDS)) {
  const want = TABLES[t as EventTable].columns.map((c) => c.name).join(',');
  if (s.cols.map(([n]) => n).join(',') !== want) throw new Error(`schema/fields.ts: ${t} columns differ from tables.ts`);
}
