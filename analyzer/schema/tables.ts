// The record schema for data out: one table per kind, each column with a type, a unit and a
// meaning. docs/schema.md is generated from these lists (scripts/gen-schema-doc.mjs), so the
// documentation cannot drift from what export and sql write.

import { c, bytes, listBytes, IDENTITY, WHEN, EVENT_COLUMNS, type Column } from './column.js';
import { byTable, KINDS, type KindTable } from '../kinds/index.js';

export { WHEN, EVENT_COLUMNS, type Column, type ColumnType, type Row, type Value } from './column.js';

/** The tables declared here; each kind of analyzer/kinds/ adds its own, before `lost`. */
const OWN_TABLES = ['processes'] as const;
export type TableName = typeof OWN_TABLES[number] | KindTable | 'lost';
export const TABLE_NAMES: readonly TableName[] = [...OWN_TABLES, ...KINDS.map((k) => k.table.name as KindTable), 'lost'];

interface TableDef { readonly doc: string; readonly columns: readonly Column[] }
const KIND_TABLES = byTable((k): TableDef => ({ doc: k.table.doc, columns: [...EVENT_COLUMNS, ...k.table.columns] }));

export const TABLES: { readonly [T in TableName]: TableDef } = {
  processes: {
    doc: 'One row per process seen (from the start snapshot, forks, execs and exits); a reused pid is a new row.',
    columns: [
      ...IDENTITY,
      c('process', 'str', 'pid@start', 'identity: pid @ start in ns of CLOCK_MONOTONIC on that boot (? when unknown)'),
      c('pid', 'u32', '', 'process id'),
      c('start_ns', 'i64', 'ns since the Unix epoch', 'process start; null when unknown'),
      c('start_time', 'str', 'ISO 8601, ns', 'process start on the recorded host\'s clock'),
      c('parent', 'str', 'pid@start', 'the parent process (the one that forked it); null for a root of the tree'),
      c('ppid', 'u32', '', 'parent\'s process id as first seen'),
      c('uid', 'u32', '', 'user id (after the last successful exec)'),
      c('user', 'str', '', 'user name from the recorded host\'s /etc/passwd; null when unknown'),
      ...bytes('comm', 'command name (after the last successful exec)'),
      ...bytes('exe', 'file of the last successful exec (or the snapshot\'s exe)'),
      ...listBytes('argv', 'arguments of the last successful exec (or the snapshot)'),
      c('execs', 'u32', 'count', 'exec attempts recorded, failed ones included'),
      c('origin', 'str', '', 'snapshot (alive at start), fork (seen being forked) or inferred (seen only through its events)'),
      c('parent_inferred', 'bool', '', 'true when the parent link comes from an event\'s ppid, not from a fork or snapshot'),
      c('tty_rdev', 'u32', 'kernel dev_t', 'controlling terminal at start (snapshot only), 0 if none'),
      c('exit_ns', 'i64', 'ns since the Unix epoch', 'exit; null when it did not exit during the capture'),
      c('exit_time', 'str', 'ISO 8601, ns', 'exit on the recorded host\'s clock'),
      c('exit_code', 'i32', '', 'exit status, when it exited normally'),
      c('exit_signal', 'u32', '', 'terminating signal, 0 when it exited normally'),
      c('core_dumped', 'bool', '', 'a core was dumped'),
      c('events', 'u32', 'count', 'events recorded for it (execs, opens, writes, ...)'),
    ],
  },
  ...KIND_TABLES,
  lost: {
    doc: 'One row per loss report: events the kernel dropped before the recorder read them.',
    columns: [
      ...IDENTITY, ...WHEN,
      c('probe', 'str', '', 'probe family whose events were lost'),
      c('lane', 'str', '', 'ring the events were lost from: priority or bulk (empty before lanes)'),
      c('count', 'i64', 'events', 'events lost'),
    ],
  },
};
