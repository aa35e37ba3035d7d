// Row builders: capture records (+ the process tree) → rows of the tables in tables.ts. Pure
// functions of their inputs; CaptureRows feeds the tree in the order the identities need.
import { isUtf8 } from 'node:buffer';
import type { Header, Record } from '../../format/index.js';
import { ProcessTree, type Proc } from '../state/processes.js';
import { errnoName, syscallName } from '../syscalls.js';
import { HostClock } from './clock.js';
import type { Row, TableName } from './tables.js';
import { credCall, credIds } from '../views/creds.js';

export interface RowContext {
  clock: HostClock;
  arch: string;
  users: Map<number, string>;
  tree: ProcessTree;
}

export function rowContext(header: Header | null, tree = new ProcessTree()): RowContext {
  return {
    clock: new HostClock(header), arch: header?.arch || 'x86_64', tree,
    users: new Map((header?.users ?? []).map((u) => [u.uid ?? 0, u.name ?? ''])),
  };
}

const EMPTY = new Uint8Array();
/** Decoded bytes point into their frame's buffer: rows outlive frames, so they own a copy (from
 * Node's pooled slab for small values: a fresh ArrayBuffer each costs more than the row). */
export const own = (b: Uint8Array | null | undefined): Uint8Array => (b && b.length ? Buffer.from(b) : EMPTY);
/** Lossless text of bytes, or null when they are not valid UTF-8. */
export const text = (b: Uint8Array): string | null => (isUtf8(b) ? Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8') : null);

/** Short byte values repeat (comm, common paths): intern their copy and text, bounded. */
const interned = new Map<string, [Uint8Array, string | null]>();
function pair(b: Uint8Array | null | undefined): [Uint8Array, string | null] {
  if (!b || !b.length) return [EMPTY, ''];
  if (b.length > 128) { const v = own(b); return [v, text(v)]; }
  const key = String.fromCharCode.apply(null, b as unknown as number[]); // latin1: one char per byte, without a Buffer view
  let got = interned.get(key);
  if (!got) {
    if (interned.size >= 50_000) interned.clear();
    const v = own(b);
    got = [v, text(v)];
    interned.set(key, got);
  }
  return got;
}

function list(items: Uint8Array[] | null | undefined): [Uint8Array[], (string | null)[]] {
  const v = (items ?? []).map(pair);
  return [v.map((x) => x[0]), v.map((x) => x[1])];
}

const ids = new WeakMap<Proc, string>();
function procId(ctx: RowContext, p: Proc | undefined, pid: number): string {
  if (!p || p.start === null) return ctx.clock.processId(pid, null);
  let id = ids.get(p);
  if (id === undefined) { id = ctx.clock.processId(pid, p.start); ids.set(p, id); }
  return id;
}

// Builders add columns in schema order by name, so the rows of a table share one shape. (Added by
// computed keys or Object.assign, a wide row fell into V8's slow dictionary mode; a spread of the
// event columns into a literal is slower still.)

/** The columns every event row has (EVENT_COLUMNS). */
export function eventRow(r: Record, ctx: RowContext, process?: string): Row {
  const ns = ctx.clock.epochNs(r.ts);
  const [comm, comm_text] = pair(r.comm);
  return {
    hostname: ctx.clock.hostname, boot_id: ctx.clock.bootId, ts_ns: ns, time: ctx.clock.text(ns), offset_ns: r.ts,
    process: process ?? procId(ctx, ctx.tree.get(r.pid), r.pid),
    pid: r.pid, tid: r.tid, ppid: r.ppid, uid: r.uid, gid: r.gid, comm, comm_text, cpu: r.cpu, cgroup: r.cgroup,
  };
}

export function execRow(r: Record, ctx: RowContext): Row {
  const e = r.exec!;
  const ret = e.ret ?? 0;
  const [filename, filename_text] = pair(e.filename);
  const [argv, argv_text] = list(e.argv);
  const [interp, interp_text] = pair(e.interp);
  const [mount, mount_text] = pair(e.mount);
  const [comm_before, comm_before_text] = pair(e.commBefore);
  const row = eventRow(r, ctx);
  row['filename'] = filename; row['filename_text'] = filename_text; row['argv'] = argv; row['argv_text'] = argv_text;
  row['argc'] = e.argc ?? 0; row['args_truncated'] = !!e.argsTruncated; row['ret'] = ret;
  row['errno'] = ret ? errnoName(ret) : null; row['source'] = e.source === 1 ? 'sys_exit' : 'sched';
  row['interp'] = interp; row['interp_text'] = interp_text; row['mount'] = mount; row['mount_text'] = mount_text;
  row['ino'] = e.ino ?? ''; row['dev'] = e.dev ?? 0; row['old_tid'] = e.oldTid ?? 0; row['comm_before'] = comm_before;
  row['comm_before_text'] = comm_before_text;
  return row;
}

const OPEN_CALLS = ['openat', 'open', 'openat2'];
export function openRow(r: Record, ctx: RowContext): Row {
  const o = r.open!;
  const ret = o.ret ?? 0;
  const [path, path_text] = pair(o.path);
  const [dir, dir_text] = pair(o.dir);
  const row = eventRow(r, ctx);
  row['path'] = path; row['path_text'] = path_text; row['dir'] = dir; row['dir_text'] = dir_text; row['ret'] = ret;
  row['errno'] = ret < 0 ? errnoName(ret) : null; row['flags'] = o.flags ?? 0; row['mode'] = o.mode ?? 0;
  row['dirfd'] = o.dirfd ?? 0; row['call'] = OPEN_CALLS[o.call ?? 0] ?? String(o.call);
  row['path_truncated'] = !!o.pathTruncated; row['dir_truncated'] = !!o.dirTruncated; row['resolve'] = o.resolve ?? 0;
  return row;
}

export function syscallErrorRow(r: Record, ctx: RowContext): Row {
  const s = r.syscallError!;
  const compat = s.abi === 1;
  const row = eventRow(r, ctx);
  row['nr'] = s.nr ?? 0; row['syscall'] = syscallName(ctx.arch, s.nr ?? 0, compat);
  row['abi'] = compat ? 'compat' : 'native'; row['errno'] = s.errno ?? 0; row['errno_name'] = errnoName(s.errno ?? 0);
  return row;
}

/** pts/N, ttyN, ttySN or major:minor of a kernel dev_t (major << 20 | minor). */
export function ttyName(rdev: number): string | null {
  if (!rdev) return null;
  const major = rdev >>> 20;
  const minor = rdev & 0xfffff;
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
  if (major === 4) return minor < 64 ? `tty${minor}` : `ttyS${minor - 64}`;
  return `${major}:${minor}`;
}

const WRITE_CALLS = ['write', 'writev', 'pwrite64', 'pwritev'];
export function ttyWriteRow(r: Record, ctx: RowContext): Row {
  const t = r.ttyWrite!;
  const [data, data_text] = pair(t.data);
  const kept = data.length;
  const row = eventRow(r, ctx);
  row['rdev'] = t.rdev ?? 0; row['tty'] = ttyName(t.rdev ?? 0); row['fd'] = t.fd ?? 0; row['data'] = data;
  row['data_text'] = data_text; row['len'] = t.len ?? kept; row['cut'] = !!t.cut || Number(t.len ?? kept) > kept;
  row['call'] = WRITE_CALLS[t.call ?? 0] ?? String(t.call); row['is_tty'] = !!t.isTty; row['rows'] = t.rows ?? 0;
  row['cols'] = t.cols ?? 0;
  return row;
}

export function readlineRow(r: Record, ctx: RowContext): Row {
  const [line, line_text] = pair(r.readline!.line);
  const row = eventRow(r, ctx);
  row['line'] = line; row['line_text'] = line_text; row['truncated'] = !!r.readline!.truncated;
  return row;
}

export function forkRow(r: Record, ctx: RowContext): Row {
  const f = r.fork!;
  const thread = !!f.thread;
  const row = eventRow(r, ctx);
  row['child_pid'] = f.childPid ?? 0; row['child_tid'] = f.childTid ?? 0; row['thread'] = thread;
  row['child_process'] = thread ? null : ctx.clock.processId(f.childPid ?? 0, r.ts);
  return row;
}

/** Built before the tree sees the exit (the process leaves the live set then). */
export function exitRow(r: Record, ctx: RowContext): Row {
  const x = r.exit!;
  const live = ctx.tree.get(r.pid);
  const start = live?.start ?? (x.start !== undefined && x.start !== null ? Number(x.start) : null);
  const row = eventRow(r, ctx, ctx.clock.processId(r.pid, start));
  row['code'] = x.code ?? 0; row['signal'] = x.signal ?? 0; row['core_dumped'] = !!x.coreDumped;
  row['start_ns'] = start === null ? null : ctx.clock.epochNs(start);
  row['duration_ns'] = start === null ? null : r.ts - start;
  return row;
}

export function moduleRow(r: Record, ctx: RowContext): Row {
  const [name, name_text] = pair(r.moduleLoad!.name);
  const row = eventRow(r, ctx);
  row['name'] = name; row['name_text'] = name_text; row['taints'] = r.moduleLoad!.taints ?? 0;
  return row;
}

export function credRow(r: Record, ctx: RowContext): Row {
  const c = r.cred!;
  const row = eventRow(r, ctx);
  row['call'] = credCall(c);
  for (const id of credIds(c)) { row[`old_${id.name}`] = id.before; row[`new_${id.name}`] = id.after; }
  return row;
}

export function lostRow(r: Record, ctx: RowContext): Row {
  const l = r.lost!;
  const ns = ctx.clock.epochNs(r.ts);
  return {
    hostname: ctx.clock.hostname, boot_id: ctx.clock.bootId, ts_ns: ns, time: ctx.clock.text(ns), offset_ns: r.ts,
    probe: l.probe ?? '', lane: l.lane ?? '', count: l.count ?? 0,
  };
}

export function processRow(p: Proc, ctx: RowContext): Row {
  const start = p.start === null ? null : ctx.clock.epochNs(p.start);
  const exit = p.exit ? ctx.clock.epochNs(p.exit.ts) : null;
  let exe: Uint8Array = EMPTY;
  for (let i = p.execs.length - 1; i >= 0; i--) if (p.execs[i]!.ret === 0) { exe = p.execs[i]!.filename; break; }
  const [comm, comm_text] = pair(p.comm);
  const [exeBytes, exe_text] = pair(exe);
  const [argv, argv_text] = list(p.argv);
  return {
    hostname: ctx.clock.hostname, boot_id: ctx.clock.bootId, process: procId(ctx, p, p.pid), pid: p.pid,
    start_ns: start, start_time: start === null ? null : ctx.clock.text(start),
    parent: p.parent ? procId(ctx, p.parent, p.parent.pid) : null, ppid: p.ppid, uid: p.uid, user: ctx.users.get(p.uid) ?? null,
    comm, comm_text, exe: exeBytes, exe_text, argv, argv_text,
    execs: p.execs.filter((e) => !e.snapshot).length, origin: p.origin, parent_inferred: p.inferredParent, tty_rdev: p.tty,
    exit_ns: exit, exit_time: exit === null ? null : ctx.clock.text(exit),
    exit_code: p.exit ? p.exit.code : null, exit_signal: p.exit ? p.exit.signal : null, core_dumped: p.exit ? p.exit.core : null,
    events: p.events,
  };
}

/** A body kind with no case above does not compile: each kind has a table or says why not. */
function unhandled(kind: never): null { throw new Error(`no table for body kind ${String(kind)}`); }

/** Feeds a capture's records in order; yields each record's row with the table it belongs to.
 * The processes table comes from processes() once every record has been seen. */
export class CaptureRows {
  readonly ctx: RowContext;
  constructor(header: Header | null) { this.ctx = rowContext(header); }

  row(r: Record): [TableName, Row] | null {
    const ctx = this.ctx;
    if (r.body === 'exit') { const row = exitRow(r, ctx); ctx.tree.observe(r); return ['exits', row]; }
    ctx.tree.observe(r);
    switch (r.body) {
      case 'exec': return ['execs', execRow(r, ctx)];
      case 'open': return ['opens', openRow(r, ctx)];
      case 'syscallError': return ['syscall_errors', syscallErrorRow(r, ctx)];
      case 'ttyWrite': return ['tty_writes', ttyWriteRow(r, ctx)];
      case 'readline': return ['readline', readlineRow(r, ctx)];
      case 'fork': return ['forks', forkRow(r, ctx)];
      case 'moduleLoad': return ['modules', moduleRow(r, ctx)];
      case 'cred': return ['creds', credRow(r, ctx)];
      case 'lost': return ['lost', lostRow(r, ctx)];
      // no table of their own (process snapshots make the processes table)
      case 'process': case 'header': case 'trailer': case 'malformed': case undefined: case null: return null;
      default: return unhandled(r.body);
    }
  }

  *processes(): Generator<Row> { for (const p of this.ctx.tree.all) yield processRow(p, this.ctx); }
}
