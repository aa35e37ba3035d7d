// Row builders: capture records (+ the process tree) → rows of the tables in tables.ts. Pure
// functions of their inputs; CaptureRows feeds the tree in the order the identities need.
import { isUtf8 } from 'node:buffer';
import type { Header, Record } from '../../format/index.js';
import { ProcessTree, type Proc } from '../state/processes.js';
import { errnoName, syscallName } from '../syscalls.js';
import { HostClock } from './clock.js';
import type { Row, TableName } from './tables.js';

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
  const key = Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
  let got = interned.get(key);
  if (!got) {
    if (interned.size >= 50_000) interned.clear();
    const v = own(b);
    got = [v, text(v)];
    interned.set(key, got);
  }
  return got;
}

function bytesPair(name: string, b: Uint8Array | null | undefined, row: Row): void {
  const [v, t] = pair(b);
  row[name] = v;
  row[`${name}_text`] = t;
}

function listPair(name: string, list: Uint8Array[] | null | undefined, row: Row): void {
  const v = (list ?? []).map(pair);
  row[name] = v.map((x) => x[0]);
  row[`${name}_text`] = v.map((x) => x[1]);
}

const ids = new WeakMap<Proc, string>();
function procId(ctx: RowContext, p: Proc | undefined, pid: number): string {
  if (!p || p.start === null) return ctx.clock.processId(pid, null);
  let id = ids.get(p);
  if (id === undefined) { id = ctx.clock.processId(pid, p.start); ids.set(p, id); }
  return id;
}

/** The columns every event row has (EVENT_COLUMNS). */
export function eventRow(r: Record, ctx: RowContext, process?: string): Row {
  const ns = ctx.clock.epochNs(r.ts);
  const row: Row = {
    hostname: ctx.clock.hostname, boot_id: ctx.clock.bootId, ts_ns: ns, time: ctx.clock.text(ns), offset_ns: r.ts,
    process: process ?? procId(ctx, ctx.tree.get(r.pid), r.pid),
    pid: r.pid, tid: r.tid, ppid: r.ppid, uid: r.uid, gid: r.gid,
  };
  bytesPair('comm', r.comm, row);
  row['cpu'] = r.cpu;
  row['cgroup'] = r.cgroup;
  return row;
}

export function execRow(r: Record, ctx: RowContext): Row {
  const e = r.exec!;
  const row = eventRow(r, ctx);
  const ret = e.ret ?? 0;
  bytesPair('filename', e.filename, row);
  listPair('argv', e.argv, row);
  row['argc'] = e.argc ?? 0;
  row['args_truncated'] = !!e.argsTruncated;
  row['ret'] = ret;
  row['errno'] = ret ? errnoName(ret) : null;
  row['source'] = e.source === 1 ? 'sys_exit' : 'sched';
  bytesPair('interp', e.interp, row);
  bytesPair('mount', e.mount, row);
  row['ino'] = e.ino ?? '';
  row['dev'] = e.dev ?? 0;
  row['old_tid'] = e.oldTid ?? 0;
  bytesPair('comm_before', e.commBefore, row);
  return row;
}

const OPEN_CALLS = ['openat', 'open', 'openat2'];
export function openRow(r: Record, ctx: RowContext): Row {
  const o = r.open!;
  const row = eventRow(r, ctx);
  const ret = o.ret ?? 0;
  bytesPair('path', o.path, row);
  bytesPair('dir', o.dir, row);
  Object.assign(row, {
    ret, errno: ret < 0 ? errnoName(ret) : null, flags: o.flags ?? 0, mode: o.mode ?? 0, dirfd: o.dirfd ?? 0,
    call: OPEN_CALLS[o.call ?? 0] ?? String(o.call), path_truncated: !!o.pathTruncated, dir_truncated: !!o.dirTruncated, resolve: o.resolve ?? 0,
  });
  return row;
}

export function syscallErrorRow(r: Record, ctx: RowContext): Row {
  const s = r.syscallError!;
  const compat = s.abi === 1;
  return Object.assign(eventRow(r, ctx), {
    nr: s.nr ?? 0, syscall: syscallName(ctx.arch, s.nr ?? 0, compat), abi: compat ? 'compat' : 'native',
    errno: s.errno ?? 0, errno_name: errnoName(s.errno ?? 0),
  });
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
  const row = eventRow(r, ctx);
  row['rdev'] = t.rdev ?? 0;
  row['tty'] = ttyName(t.rdev ?? 0);
  row['fd'] = t.fd ?? 0;
  bytesPair('data', t.data, row);
  const kept = (row['data'] as Uint8Array).length;
  return Object.assign(row, {
    len: t.len ?? kept, cut: !!t.cut || Number(t.len ?? kept) > kept, call: WRITE_CALLS[t.call ?? 0] ?? String(t.call),
    is_tty: !!t.isTty, rows: t.rows ?? 0, cols: t.cols ?? 0,
  });
}

export function readlineRow(r: Record, ctx: RowContext): Row {
  const row = eventRow(r, ctx);
  bytesPair('line', r.readline!.line, row);
  row['truncated'] = !!r.readline!.truncated;
  return row;
}

export function forkRow(r: Record, ctx: RowContext): Row {
  const f = r.fork!;
  const thread = !!f.thread;
  return Object.assign(eventRow(r, ctx), {
    child_pid: f.childPid ?? 0, child_tid: f.childTid ?? 0, thread,
    child_process: thread ? null : ctx.clock.processId(f.childPid ?? 0, r.ts),
  });
}

/** Built before the tree sees the exit (the process leaves the live set then). */
export function exitRow(r: Record, ctx: RowContext): Row {
  const x = r.exit!;
  const live = ctx.tree.get(r.pid);
  const start = live?.start ?? (x.start !== undefined && x.start !== null ? Number(x.start) : null);
  return Object.assign(eventRow(r, ctx, ctx.clock.processId(r.pid, start)), {
    code: x.code ?? 0, signal: x.signal ?? 0, core_dumped: !!x.coreDumped,
    start_ns: start === null ? null : ctx.clock.epochNs(start), duration_ns: start === null ? null : r.ts - start,
  });
}

export function moduleRow(r: Record, ctx: RowContext): Row {
  const row = eventRow(r, ctx);
  bytesPair('name', r.moduleLoad!.name, row);
  row['taints'] = r.moduleLoad!.taints ?? 0;
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
  const row: Row = {
    hostname: ctx.clock.hostname, boot_id: ctx.clock.bootId, process: procId(ctx, p, p.pid), pid: p.pid,
    start_ns: start, start_time: start === null ? null : ctx.clock.text(start),
    parent: p.parent ? procId(ctx, p.parent, p.parent.pid) : null, ppid: p.ppid, uid: p.uid, user: ctx.users.get(p.uid) ?? null,
  };
  bytesPair('comm', p.comm, row);
  bytesPair('exe', exe, row);
  listPair('argv', p.argv, row);
  return Object.assign(row, {
    execs: p.execs.filter((e) => !e.snapshot).length, origin: p.origin, parent_inferred: p.inferredParent, tty_rdev: p.tty,
    exit_ns: exit, exit_time: exit === null ? null : ctx.clock.text(exit),
    exit_code: p.exit ? p.exit.code : null, exit_signal: p.exit ? p.exit.signal : null, core_dumped: p.exit ? p.exit.core : null,
    events: p.events,
  });
}

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
      case 'lost': return ['lost', lostRow(r, ctx)];
      default: return null;
    }
  }

  *processes(): Generator<Row> { for (const p of this.ctx.tree.all) yield processRow(p, this.ctx); }
}
