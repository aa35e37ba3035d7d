// A column of the record schema and the column lists every table starts with; the tables are in
// tables.ts and in analyzer/kinds/ (this module imports neither, so both can import it).

/** Column types, as Arrow/Parquet see them. `bin` is raw bytes (base64 in JSON and CSV);
 * `list_*` are lists (JSON arrays in CSV); `i64` is a signed 64-bit integer (exact in JSON). */
export type ColumnType = 'str' | 'bool' | 'i32' | 'u32' | 'i64' | 'bin' | 'list_bin' | 'list_str';

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly unit: string;
  readonly doc: string;
}

export type Value = string | number | bigint | boolean | Uint8Array | readonly Uint8Array[] | readonly (string | null)[] | null;
export type Row = { [column: string]: Value };

export const c = (name: string, type: ColumnType, unit: string, doc: string): Column => ({ name, type, unit, doc });
/** A bytes field and, beside it, its text when the bytes are valid UTF-8 (else null). */
export const bytes = (name: string, doc: string): Column[] => [c(name, 'bin', 'bytes', doc), c(`${name}_text`, 'str', 'UTF-8', `${name} as text; null when not valid UTF-8`)];
export const listBytes = (name: string, doc: string): Column[] => [c(name, 'list_bin', 'bytes', doc), c(`${name}_text`, 'list_str', 'UTF-8', `${name} as text; an element is null when not valid UTF-8`)];

export const IDENTITY: Column[] = [
  c('hostname', 'str', '', 'Header.hostname of the recorded host (many captures concatenate)'),
  c('boot_id', 'str', '', 'the recorded host\'s boot id (/proc/sys/kernel/random/boot_id)'),
];

/** When an event happened, in the three forms every event row has. */
export const WHEN: readonly Column[] = [
  c('ts_ns', 'i64', 'ns since the Unix epoch', 'when the event happened (Header.start_wall + offset_ns)'),
  c('time', 'str', 'ISO 8601, ns', 'the same instant on the recorded host\'s clock and time zone (2026-11-23T17:26:39.123456789+01:00)'),
  c('offset_ns', 'i64', 'ns', 'since the capture start (Header.start_mono); what --since/--until count'),
];

/** Columns every event row has (all tables but processes and lost). */
export const EVENT_COLUMNS: readonly Column[] = [
  ...IDENTITY, ...WHEN,
  c('process', 'str', 'pid@start', 'the process: pid @ its start in ns of CLOCK_MONOTONIC on that boot (? when unknown)'),
  c('pid', 'u32', '', 'process id (tgid)'),
  c('tid', 'u32', '', 'thread id'),
  c('ppid', 'u32', '', 'parent\'s process id (real_parent) at the event'),
  c('uid', 'u32', '', 'user id'),
  c('gid', 'u32', '', 'group id'),
  ...bytes('comm', 'task command name (at most 16 bytes)'),
  c('cpu', 'u32', '', 'CPU the event was recorded on'),
  c('cgroup', 'i64', '', 'cgroup v2 id'),
];
