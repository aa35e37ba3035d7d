// What every kind's own test does: one record of the kind, through the same row builder export,
// sql and the views' --json use, checked against the kind's documented columns.
import { expect } from 'vitest';
import { HEADER } from '../../helpers.js';
import { CaptureRows } from '../../../analyzer/schema/rows.js';
import { TABLES, type TableName } from '../../../analyzer/schema/tables.js';
import { pb, type CaptureRecord, type RecordInit } from '../../../format/index.js';

export const b = (s: string): Buffer => Buffer.from(s);
export const S = 1e9;
/** The common fields of a record from pid 700 (bash, uid 1000), 2 s into the capture. */
export const HEAD = { ts: 2 * S, pid: 700, tid: 700, ppid: 1, uid: 1000, gid: 1000, comm: b('bash') } as const;

/** The row `rec` makes, after a check that it lands in `table` with exactly the table's columns. */
export function rowIn(table: TableName, rec: RecordInit): { [col: string]: unknown } {
  const rows = new CaptureRows(HEADER);
  const r = pb.Record.decode(pb.Record.encode(rec).finish()) as CaptureRecord;
  const got = rows.row(r);
  expect(got?.[0]).toBe(table);
  const row = got![1] as { [col: string]: unknown };
  expect(Object.keys(row).sort()).toEqual(TABLES[table].columns.map((c) => c.name).sort());
  expect(row).toMatchObject({ pid: 700, uid: 1000, comm_text: 'bash' });
  return row;
}
