// eperm: syscalls failing with EPERM (-1) or EACCES (-13), counted by (comm, syscall) — the book
// tool's two labels are swapped; these are right. One table per errno, ascending by count.
// --list: one line per denial (who, when, which syscall; the path when it was an open).
// sysPrefix: the book's probe-style names (sys_openat) instead of plain ones (openat).
import { Abi, type CaptureRecord } from '../../format/index.js';
import { userName, type View, type ViewContext } from '../pipeline.js';
import { esc, pad } from '../text.js';
import { errnoName, syscallName } from '../syscalls.js';
import { own, rowsFor, rowOf, text, type ViewColumn, type ViewTable } from '../schema/views.js';
const syscallErrorRow = rowOf('syscall_errors');

export type EpermKey = 'comm-syscall' | 'syscall' | 'comm' | 'pid' | 'uid';

export interface EpermOptions { list?: boolean; sysPrefix?: boolean }

/** One count of eperm: the key's parts (null where the key does not have them) and how many. */
interface Count { errno: number; syscall: string | null; comm: Uint8Array | null; pid: number | null; uid: number | null; count: number }

const countsTable = (by: EpermKey, o: EpermOptions): ViewTable<Count> => ({
  view: 'eperm',
  schema: null,
  extra: [
    { name: 'errno', type: 'u32', doc: 'positive errno: 1 EPERM, 13 EACCES' },
    { name: 'errno_name', type: 'str', doc: 'EPERM or EACCES' },
    { name: 'syscall', type: 'str', doc: 'syscall name (--by comm-syscall, syscall); else null' },
    { name: 'comm', type: 'bin', doc: 'command name (--by comm-syscall, comm, pid); else null' },
    { name: 'comm_text', type: 'str', doc: 'comm as text; null when not valid UTF-8' },
    { name: 'pid', type: 'u32', doc: 'process id (--by pid); else null' },
    { name: 'uid', type: 'u32', doc: 'user id (--by uid); else null' },
    { name: 'user', type: 'str', doc: 'user name of uid on the recorded host (--by uid); else null' },
    { name: 'count', type: 'i64', doc: 'syscalls that failed so' },
  ],
  row: (c, ctx) => ({
    errno: c.errno, errno_name: errnoName(c.errno), syscall: c.syscall, comm: c.comm, comm_text: c.comm ? text(c.comm) : null,
    pid: c.pid, uid: c.uid, user: c.uid === null ? null : (ctx.users.get(c.uid) ?? null), count: c.count,
  }),
  text(c, ctx) {
    const sys = (o.sysPrefix ? 'sys_' : '') + c.syscall;
    const parts = by === 'comm-syscall' ? [esc(c.comm), sys] : by === 'syscall' ? [sys] : by === 'comm' ? [esc(c.comm)]
      : by === 'pid' ? [String(c.pid), esc(c.comm)] : [esc(userName(ctx.users, c.uid!))];
    return `@${errnoName(c.errno)}[${parts.join(', ')}]: ${c.count}`;
  },
});

export function epermView(by: EpermKey = 'comm-syscall', o: EpermOptions = {}): View {
  if (o.list) return epermList(o);
  const tables = new Map<number, Map<string, Count>>([[13, new Map()], [1, new Map()]]);
  const table = countsTable(by, o);
  return {
    tables: [table],
    probes: ['syscall_error'],
    kinds: ['syscallError'], fields: ['syscallError.nr', 'syscallError.errno', 'syscallError.abi'],
    tree: false,
    counts: true, // reads comm, pid and uid only: repeats may come once, with their number
    countsBy: by === 'pid' ? ['pid'] : by === 'uid' ? ['uid'] : [],
    record(r: CaptureRecord, ctx: ViewContext, n = 1) {
      if (r.body !== 'syscallError') return;
      const s = r.syscallError!;
      const errno = s.errno ?? 0;
      const t = tables.get(errno);
      if (!t) return;
      const sys = syscallName(ctx.arch, s.nr ?? 0, s.abi === Abi.ABI_COMPAT);
      const withComm = by === 'comm-syscall' || by === 'comm' || by === 'pid';
      const k = by === 'comm-syscall' ? `${esc(r.comm)}\0${sys}` : by === 'syscall' ? sys : by === 'comm' ? esc(r.comm) : by === 'pid' ? `${r.pid}\0${esc(r.comm)}` : String(r.uid);
      const c = t.get(k);
      if (c) { c.count += n; return; }
      t.set(k, { errno, syscall: by === 'comm-syscall' || by === 'syscall' ? sys : null, comm: withComm ? own(r.comm) : null,
        pid: by === 'pid' ? r.pid : null, uid: by === 'uid' ? r.uid : null, count: n });
    },
    end(ctx: ViewContext) {
      let first = true;
      for (const errno of [13, 1]) {
        // ascending by count, then by the key's text
        const rows = [...tables.get(errno)!].sort((a, b) => a[1].count - b[1].count || (sortKey(a, by, ctx) < sortKey(b, by, ctx) ? -1 : 1));
        if (!rows.length) continue;
        if (!first) ctx.out.textLine('');
        first = false;
        for (const [, c] of rows) ctx.out.row(table, c, ctx);
      }
    },
  };
}

/** The order the counts had when their key was the joined text shown (uid: the user name). */
function sortKey([k, c]: [string, Count], by: EpermKey, ctx: ViewContext): string {
  return by === 'uid' ? esc(userName(ctx.users, c.uid!)) : k;
}

/** A failed open (EPERM/EACCES) recorded just before the syscall error of the same thread. */
const OPEN_WINDOW_NS = 5e6;

interface Denial { r: CaptureRecord; open: { ts: number; path: Uint8Array; cut: boolean } | undefined }

const LIST_EXTRA: ViewColumn[] = [
  { name: 'user', type: 'str', doc: 'user name of uid on the recorded host; null when unknown' },
  { name: 'path', type: 'bin', doc: 'path of the open this denial failed (a failed open of the same thread just before); else null' },
  { name: 'path_text', type: 'str', doc: 'path as text; null when not valid UTF-8 or no path' },
  { name: 'path_truncated', type: 'bool', doc: 'the path was cut at the recorder\'s limit' },
];

function epermList(o: EpermOptions): View {
  const lastOpen = new Map<number, { ts: number; path: Uint8Array; cut: boolean }>();
  const table: ViewTable<Denial> = {
    view: 'eperm --list',
    schema: 'syscall_errors',
    extra: LIST_EXTRA,
    row({ r, open }, ctx) {
      const row = syscallErrorRow(r, rowsFor(ctx));
      row['user'] = ctx.users.get(r.uid) ?? null;
      row['path'] = open ? open.path : null; row['path_text'] = open ? text(open.path) : null; row['path_truncated'] = open ? open.cut : null;
      return row;
    },
    header: () => `${pad('TIME', 12)} ${pad('PID', 7)} ${pad('TID', 7)} ${pad('USER', 10)} ${pad('COMM', 16)} ${pad('ERR', 6)} ${pad('SYSCALL', 18)} PATH`,
    text({ r, open }, ctx) {
      const s = r.syscallError!;
      const sys = (o.sysPrefix ? 'sys_' : '') + syscallName(ctx.arch, s.nr ?? 0, s.abi === Abi.ABI_COMPAT) + (s.abi === Abi.ABI_COMPAT ? ' (compat)' : '');
      const label = errnoName(s.errno ?? 0);
      const path = open ? esc(open.path) + (open.cut ? '[cut]' : '') : '';
      const ms = String(Math.floor(ctx.clock.wallMs(r.ts) % 1000)).padStart(3, '0');
      return `${pad(`${ctx.clock.hms(r.ts)}.${ms}`, 12)} ${pad(String(r.pid), 7)} ${pad(String(r.tid), 7)} ${pad(esc(userName(ctx.users, r.uid)), 10)} ${pad(esc(r.comm), 16)} ${pad(label, 6)} ${pad(sys, 18)} ${path || '-'}`;
    },
  };
  return {
    tables: [table],
    probes: ['syscall_error'],
    tree: false,
    record(r: CaptureRecord, ctx: ViewContext) {
      if (r.body === 'open') {
        const ret = r.open!.ret ?? 0;
        if (ret === -1 || ret === -13) {
          if (lastOpen.size > 65536) lastOpen.clear(); // bounded: threads die without telling us
          lastOpen.set(r.tid, { ts: r.ts, path: own(r.open!.path), cut: !!r.open!.pathTruncated });
        }
        return;
      }
      if (r.body !== 'syscallError') return;
      const s = r.syscallError!;
      const errno = s.errno ?? 0;
      if (errno !== 1 && errno !== 13) return;
      const name = syscallName(ctx.arch, s.nr ?? 0, s.abi === Abi.ABI_COMPAT);
      const open = /^open/.test(name) ? lastOpen.get(r.tid) : undefined;
      ctx.out.row(table, { r, open: open && r.ts - open.ts <= OPEN_WINDOW_NS && r.ts >= open.ts ? open : undefined }, ctx);
    },
    end() {},
  };
}
