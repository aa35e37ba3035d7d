// execsnoop: new processes. Columns (bcc): [TIME] [TIME(s)] [UID] [CPU] COMM PID [PCOMM] PPID RET ARGS
// with bcc's widths (%-16s %-7d %-7s %3d); ARGS is the path exec'd, then the arguments after it.
import type { CaptureRecord } from '../../format/index.js';
import type { View, ViewContext } from '../pipeline.js';
import { esc, pad, padl } from '../text.js';
import { seconds } from '../time.js';
import { resolveUid } from './common.js';
import { rowOf, own, rowsFor, text, type ViewColumn, type ViewRow, type ViewTable } from '../schema/views.js';
const execRow = rowOf('execs');

export interface ExecsOptions {
  timestamp?: boolean;      // -T: HH:MM:SS
  time?: boolean;           // -t: seconds since the start
  fails?: boolean;          // -x
  user?: string;            // -u
  printUid?: boolean;       // -U
  quote?: boolean;          // -q
  name?: RegExp;            // -n
  line?: RegExp;            // -l (matches the unquoted arguments, as bcc does)
  maxArgs: number;          // --max-args
  ppid?: number;            // -P
  parentComm?: boolean;     // -M
  cpu?: boolean;            // -C
}

type Bytes = Uint8Array;
export interface ArgFlags { unreadable?: readonly number[] | null | undefined; truncated?: readonly number[] | null | undefined }

/** The arguments bcc shows: the path exec'd, then argv[1..]. For a script the recorded argv is the
 * interpreter's (`/bin/sh [arg] /x/run.sh a b`): its words up to the script's path are dropped so
 * the path is not shown twice. Returns the argv index each shown argument came from. */
export function shownArgs(filename: Bytes, argv: Bytes[], interp?: Bytes | null): { args: Bytes[]; from: number[] } {
  const first = filename.length ? filename : (argv[0] ?? new Uint8Array());
  let rest = 1;
  if (interp?.length && filename.length && !Buffer.from(interp).equals(Buffer.from(filename))) {
    const f = Buffer.from(filename);
    for (let j = 1; j < Math.min(argv.length, 4); j++) if (f.equals(argv[j]!)) { rest = j + 1; break; }
  }
  const args = [first, ...argv.slice(rest)];
  return { args, from: [0, ...argv.slice(rest).map((_, i) => rest + i)] };
}

/** Text for one argument: bcc's look (newline as \n, backslash as is), control bytes escaped. */
export function argText(a: Bytes, quote: boolean): string {
  const s = esc(a).replace(/\\\\/g, '\\');
  return quote ? `"${s.replace(/"/g, '\\"')}"` : s;
}

export function execArgs(filename: Bytes, argv: Bytes[], max: number, quote: boolean, cut: boolean, interp?: Bytes | null, flags: ArgFlags = {}): string {
  const { args, from } = shownArgs(filename, argv, interp);
  const unreadable = new Set(flags.unreadable ?? []);
  const truncated = new Set(flags.truncated ?? []);
  const shown = args.slice(0, max).map((a, i) => {
    const k = from[i]!;
    if (k > 0 && unreadable.has(k)) return '[unreadable]';
    return argText(a, quote) + (k > 0 && truncated.has(k) ? '[cut]' : '');
  });
  const s = shown.join(' ');
  return args.length > max || cut ? `${s} ...` : s;
}

/** The filter execsnoop applies, shared with the execs chart so both count the same rows. */
export function execSelector(o: Omit<ExecsOptions, 'maxArgs'> & { maxArgs?: number }) {
  let uid: number | undefined;
  return (r: CaptureRecord, ctx: ViewContext): boolean => {
    if (r.body !== 'exec') return false;
    const e = r.exec!;
    if ((e.ret ?? 0) !== 0 && !o.fails) return false;
    if (o.user !== undefined && uid === undefined) uid = resolveUid(ctx, o.user);
    if (uid !== undefined && r.uid !== uid) return false;
    if (o.ppid !== undefined && r.ppid !== o.ppid) return false;
    if (o.name && !o.name.test(esc(r.comm))) return false;
    if (o.line) {
      const { args } = shownArgs(e.filename ?? new Uint8Array(), e.argv ?? [], e.interp);
      if (!o.line.test(args.map((a) => argText(a, false)).join(' '))) return false;
    }
    return true;
  };
}

/** The columns execs and elf add to the schema's execs row. */
export const EXEC_EXTRA: ViewColumn[] = [
  { name: 'ino_of', type: 'str', doc: 'whose inode ino and dev are: interpreter (a script: the kernel loaded its interpreter) or file' },
  { name: 'unreadable_args', type: 'list_u32', doc: 'indices into argv of the arguments the recorder could not read' },
  { name: 'truncated_args', type: 'list_u32', doc: 'indices into argv of the arguments cut at --arg-bytes' },
];

const isScript = (e: NonNullable<CaptureRecord['exec']>): boolean => !!e.interp?.length && !Buffer.from(e.interp).equals(Buffer.from(e.filename ?? []));

/** The schema's execs row of an exec record plus EXEC_EXTRA. */
export function execViewRow(r: CaptureRecord, ctx: ViewContext): ViewRow {
  const e = r.exec!;
  const row: ViewRow = execRow(r, rowsFor(ctx));
  row['ino_of'] = isScript(e) ? 'interpreter' : 'file';
  row['unreadable_args'] = [...(e.unreadableArgs ?? [])];
  row['truncated_args'] = [...(e.truncatedArgs ?? [])];
  return row;
}

export function execsView(o: ExecsOptions): View {
  const keep = execSelector(o);
  const table: ViewTable<CaptureRecord> = {
    view: 'execs',
    schema: 'execs',
    extra: [...EXEC_EXTRA, { name: 'parent_comm', type: 'bin', doc: 'the parent\'s command name at the exec (execsnoop -M\'s PCOMM); null when unknown' },
      { name: 'parent_comm_text', type: 'str', doc: 'parent_comm as text; null when not valid UTF-8' }],
    row(r, ctx) {
      const row = execViewRow(r, ctx);
      const parent = ctx.tree.get(r.ppid)?.comm;
      row['parent_comm'] = parent ? own(parent) : null;
      row['parent_comm_text'] = parent ? text(parent) : null;
      return row;
    },
    header: () => [o.timestamp ? pad('TIME', 8) : '', o.time ? pad('TIME(s)', 8) : '', o.printUid ? pad('UID', 6) : '', o.cpu ? pad('CPU', 3) : '',
      pad('COMM', 16), pad('PID', 7), o.parentComm ? pad('PCOMM', 16) : '', pad('PPID', 7), 'RET', 'ARGS'].filter(Boolean).join(' '),
    text(r, ctx) {
      const e = r.exec!;
      const flags = { unreadable: e.unreadableArgs, truncated: e.truncatedArgs };
      const args = execArgs(e.filename ?? new Uint8Array(), e.argv ?? [], o.maxArgs, !!o.quote, !!e.argsTruncated, e.interp, flags);
      const parent = o.parentComm ? ctx.tree.get(r.ppid)?.comm : undefined;
      return [o.timestamp ? pad(ctx.clock.hms(r.ts), 8) : '', o.time ? pad(seconds(r.ts), 8) : '', o.printUid ? pad(String(r.uid), 6) : '',
        o.cpu ? pad(String(r.cpu ?? 0), 3) : '', pad(esc(r.comm), 16), pad(String(r.pid), 7), o.parentComm ? pad(parent ? esc(parent) : '?', 16) : '',
        pad(r.ppid ? String(r.ppid) : '?', 7), padl(String(e.ret ?? 0), 3), args].filter((s) => s !== '').join(' ');
    },
  };
  return {
    tables: [table],
    probes: ['exec'],
    kinds: ['exec'],
    record(r: CaptureRecord, ctx: ViewContext) { if (keep(r, ctx)) ctx.out.row(table, r, ctx); },
    end() {},
  };
}
