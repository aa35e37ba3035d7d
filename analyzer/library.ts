// The library entry point (`import { readCapture, processTree, toArrow } from 'secrec'`): what
// scripts and notebooks need, without dist/ paths. Tables and columns: docs/schema.md.
import type { Table } from '@uwdata/flechette';
import { CaptureReader, type Header, type CaptureRecord } from '../format/index.js';
import { ProcessTree } from './state/processes.js';
import { CaptureRows } from './schema/rows.js';
import { toArrowTable } from './schema/encode.js';
import type { Row, TableName } from './schema/tables.js';

export { readCapture, CaptureReader, CaptureWriter, type Header, type CaptureRecord, type RecordInit, type Integrity } from '../format/index.js';
export { ProcessTree, Proc } from './state/processes.js';
export { TABLES, TABLE_NAMES, EVENT_COLUMNS, type Column, type ColumnType, type Row, type TableName, type Value } from './schema/tables.js';
export { CaptureRows, rowContext, eventRow, processRow, rowOf, ttyName, type RowContext } from './schema/rows.js';
import { rowOf } from './schema/rows.js';
/** Each event table's row builder (rowOf(table) builds any of them). */
export const execRow = rowOf('execs');
export const openRow = rowOf('opens');
export const syscallErrorRow = rowOf('syscall_errors');
export const ttyWriteRow = rowOf('tty_writes');
export const readlineRow = rowOf('readline');
export const forkRow = rowOf('forks');
/** Built before the tree sees the exit (the process leaves the live set then). */
export const exitRow = rowOf('exits');
export const moduleRow = rowOf('modules');
export const lostRow = rowOf('lost');
export { HostClock } from './schema/clock.js';
export { toJsonLine, toJsonObject, toCsvLine, csvHeader, toArrowTable, toArrowIpc } from './schema/encode.js';
export { exportCapture, EXPORT_FORMATS, type ExportFormat, type ExportOptions, type ExportResult } from './export.js';
export { openSql, query, sql, type QueryResult, type SqlSession } from './sql.js';
export { esc } from './text.js';
export { syscallName, errnoName } from './syscalls.js';

/** The process tree of a capture (pid reuse, orphans and inferred parents handled). */
export async function processTree(file: string): Promise<ProcessTree> {
  const tree = new ProcessTree();
  for await (const frame of new CaptureReader(file).frames()) for (const r of frame.records) tree.observe(r);
  return tree;
}

/** Every row of a capture, table by table as it is read; the processes table comes last. */
export async function* captureRows(file: string): AsyncGenerator<[TableName, Row]> {
  const reader = new CaptureReader(file);
  let rows: CaptureRows | null = null;
  for await (const frame of reader.frames()) {
    for (const r of frame.records as CaptureRecord[]) {
      rows ??= new CaptureRows(reader.header as Header | null);
      const got = rows.row(r);
      if (got) yield got;
    }
  }
  for (const p of (rows ?? new CaptureRows(null)).processes()) yield ['processes', p];
}

/** The rows of some tables of a capture, in memory (for a notebook; use exportCapture for large ones). */
export async function captureTables<T extends TableName>(file: string, tables: readonly T[]): Promise<{ [K in T]: Row[] }> {
  const out = Object.fromEntries(tables.map((t) => [t, [] as Row[]])) as { [K in T]: Row[] };
  for await (const [t, row] of captureRows(file)) if (t in out) out[t as T].push(row);
  return out;
}

/** One table of a capture as an Arrow table (flechette), ready for arquero's fromArrow. */
export async function toArrow(file: string, table: TableName): Promise<Table> {
  return toArrowTable(table, (await captureTables(file, [table]))[table]);
}
