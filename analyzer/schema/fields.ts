// Where each column of an event table comes from: one JavaScript expression per column over the
// decoded record `r`, its body `x` and the row context `c`. The row builders (rows.ts), the Arrow
// column feeders (columns.ts) and the text line encoders (encode.ts) are all compiled from these
// lists, once per table, so the three cannot disagree, and export appends a record's values to its
// columns (or its line) with no row object in between.
import { TABLES, type TableName } from './tables.js';

/** How a column's expression is read: a plain value, or raw bytes (a `Uint8Array`, null or
 * undefined for empty) given as bytes or as their lossless text, alone or in a list. */
export type Source = 'val' | 'bin' | 'bin_text' | 'list_bin' | 'list_text';
type Spec = readonly [Source, string];

/** The tables built from one record (processes comes from the process tree: rows.ts). */
export type EventTable = Exclude<TableName, 'processes'>;

/** Statements before the columns: locals `x` (the body) and `ns` (the time as ns since the epoch). */
const PRE = (body: string): string => `const x = r.${body}; const ns = c.clock.epochNs(r.ts);`;
const bytes = (name: string, expr: string): [string, Spec][] => [[name, ['bin', expr]], [`${name}_text`, ['bin_text', expr]]];

/** hostname … cgroup; `process` is the local P (a caller may give it: eventRow). */
const EVENT: [string, Spec][] = [
  ['hostname', ['val', 'c.clock.hostname']], ['boot_id', ['val', 'c.clock.bootId']], ['ts_ns', ['val', 'ns']],
  ['time', ['val', 'c.clock.text(ns)']], ['offset_ns', ['val', 'r.ts']], ['process', ['val', 'P']],
  ['pid', ['val', 'r.pid']], ['tid', ['val', 'r.tid']], ['ppid', ['val', 'r.ppid']], ['uid', ['val', 'r.uid']], ['gid', ['val', 'r.gid']],
  ...bytes('comm', 'r.comm'), ['cpu', ['val', 'r.cpu']], ['cgroup', ['val', 'r.cgroup']],
];
const PROC = 'const P = p ?? H.procId(c, c.tree.get(r.pid), r.pid);';

export interface FieldSpec { readonly body: string; readonly pre: string; readonly cols: readonly [string, Spec][] }
const event = (body: string, cols: [string, Spec][], pre = ''): FieldSpec => ({ body, pre: `${PRE(body)} ${pre || PROC}`, cols: [...EVENT, ...cols] });

export const FIELDS: { readonly [T in EventTable]: FieldSpec } = {
  execs: event('exec', [
    ...bytes('filename', 'x.filename'), ['argv', ['list_bin', 'x.argv']], ['argv_text', ['list_text', 'x.argv']],
    ['argc', ['val', 'x.argc ?? 0']], ['args_truncated', ['val', '!!x.argsTruncated']], ['ret', ['val', 'ret']],
    ['errno', ['val', 'ret ? H.errnoName(ret) : null']], ['source', ['val', "x.source === 1 ? 'sys_exit' : 'sched'"]],
    ...bytes('interp', 'x.interp'), ...bytes('mount', 'x.mount'), ['ino', ['val', "x.ino ?? ''"]], ['dev', ['val', 'x.dev ?? 0']],
    ['old_tid', ['val', 'x.oldTid ?? 0']], ...bytes('comm_before', 'x.commBefore'),
  ], `${PROC} const ret = x.ret ?? 0;`),
  opens: event('open', [
    ...bytes('path', 'x.path'), ...bytes('dir', 'x.dir'), ['ret', ['val', 'ret']], ['errno', ['val', 'ret < 0 ? H.errnoName(ret) : null']],
    ['flags', ['val', 'x.flags ?? 0']], ['mode', ['val', 'x.mode ?? 0']], ['dirfd', ['val', 'x.dirfd ?? 0']],
    ['call', ['val', 'H.OPEN_CALLS[x.call ?? 0] ?? String(x.call)']], ['path_truncated', ['val', '!!x.pathTruncated']],
    ['dir_truncated', ['val', '!!x.dirTruncated']], ['resolve', ['val', 'x.resolve ?? 0']],
  ], `${PROC} const ret = x.ret ?? 0;`),
  syscall_errors: event('syscallError', [
    ['nr', ['val', 'x.nr ?? 0']], ['syscall', ['val', 'H.syscallName(c.arch, x.nr ?? 0, x.abi === 1)']],
    ['abi', ['val', "x.abi === 1 ? 'compat' : 'native'"]], ['errno', ['val', 'x.errno ?? 0']], ['errno_name', ['val', 'H.errnoName(x.errno ?? 0)']],
  ]),
  tty_writes: event('ttyWrite', [
    ['rdev', ['val', 'x.rdev ?? 0']], ['tty', ['val', 'H.ttyName(x.rdev ?? 0)']], ['fd', ['val', 'x.fd ?? 0']], ...bytes('data', 'x.data'),
    ['len', ['val', 'x.len ?? kept']], ['cut', ['val', '!!x.cut || Number(x.len ?? kept) > kept']],
    ['call', ['val', 'H.WRITE_CALLS[x.call ?? 0] ?? String(x.call)']], ['is_tty', ['val', '!!x.isTty']],
    ['rows', ['val', 'x.rows ?? 0']], ['cols', ['val', 'x.cols ?? 0']],
  ], `${PROC} const kept = x.data ? x.data.length : 0;`),
  readline: event('readline', [...bytes('line', 'x.line'), ['truncated', ['val', '!!x.truncated']]]),
  forks: event('fork', [
    ['child_pid', ['val', 'x.childPid ?? 0']], ['child_tid', ['val', 'x.childTid ?? 0']], ['thread', ['val', '!!x.thread']],
    ['child_process', ['val', 'x.thread ? null : c.clock.processId(x.childPid ?? 0, r.ts)']],
  ]),
  // Built before the tree sees the exit (the process leaves the live set then).
  exits: event('exit', [
    ['code', ['val', 'x.code ?? 0']], ['signal', ['val', 'x.signal ?? 0']], ['core_dumped', ['val', '!!x.coreDumped']],
    ['start_ns', ['val', 'start === null ? null : c.clock.epochNs(start)']], ['duration_ns', ['val', 'start === null ? null : r.ts - start']],
  ], 'const live = c.tree.get(r.pid); const start = live?.start ?? (x.start !== undefined && x.start !== null ? Number(x.start) : null); const P = c.clock.processId(r.pid, start);'),
  modules: event('moduleLoad', [...bytes('name', 'x.name'), ['taints', ['val', 'x.taints ?? 0']]]),
  creds: event('cred', [
    ['call', ['val', 'H.credCall(x)']],
    ['old_uid', ['val', 'x.oldUid ?? 0']], ['new_uid', ['val', 'x.uid ?? 0']], ['old_euid', ['val', 'x.oldEuid ?? 0']], ['new_euid', ['val', 'x.euid ?? 0']], ['old_suid', ['val', 'x.oldSuid ?? 0']], ['new_suid', ['val', 'x.suid ?? 0']], ['old_fsuid', ['val', 'x.oldFsuid ?? 0']], ['new_fsuid', ['val', 'x.fsuid ?? 0']], ['old_gid', ['val', 'x.oldGid ?? 0']], ['new_gid', ['val', 'x.gid ?? 0']], ['old_egid', ['val', 'x.oldEgid ?? 0']], ['new_egid', ['val', 'x.egid ?? 0']], ['old_sgid', ['val', 'x.oldSgid ?? 0']], ['new_sgid', ['val', 'x.sgid ?? 0']], ['old_fsgid', ['val', 'x.oldFsgid ?? 0']], ['new_fsgid', ['val', 'x.fsgid ?? 0']],
  ]),
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
