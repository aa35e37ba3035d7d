// eperm: syscalls failing with EPERM (-1) or EACCES (-13), counted by (comm, syscall) — the book
// tool's two labels are swapped; these are right. One table per errno, ascending by count.
// --list: one line per denial (who, when, which syscall; the path when it was an open).
// sysPrefix: the book's probe-style names (sys_openat) instead of plain ones (openat).
import type { Record } from '../../format/index.js';
import { userName, type View, type ViewContext } from '../pipeline.js';
import { esc, pad } from '../text.js';
import { syscallName } from '../syscalls.js';

export type EpermKey = 'comm-syscall' | 'syscall' | 'comm' | 'pid' | 'uid';

export interface EpermOptions { list?: boolean; sysPrefix?: boolean }

export function epermView(by: EpermKey = 'comm-syscall', o: EpermOptions = {}): View {
  if (o.list) return epermList(o);
  const tables = new Map<number, Map<string, number>>([[13, new Map()], [1, new Map()]]);
  const keyOf = new Map<string, string[]>();
  return {
    probes: ['eperm'],
    kinds: ['syscallError'], fields: ['syscallError.nr', 'syscallError.errno', 'syscallError.abi'],
    tree: false,
    counts: true, // reads comm, pid and uid only: repeats may come once, with their number
    record(r: Record, ctx: ViewContext, n = 1) {
      if (r.body !== 'syscallError') return;
      const s = r.syscallError!;
      const errno = s.errno ?? 0;
      const t = tables.get(errno);
      if (!t) return;
      const sys = (o.sysPrefix ? 'sys_' : '') + syscallName(ctx.arch, s.nr ?? 0, s.abi === 1);
      const parts = by === 'comm-syscall' ? [esc(r.comm), sys] : by === 'syscall' ? [sys] : by === 'comm' ? [esc(r.comm)]
        : by === 'pid' ? [String(r.pid), esc(r.comm)] : [esc(userName(ctx.users, r.uid))];
      const k = parts.join('\0');
      if (!keyOf.has(k)) keyOf.set(k, parts);
      t.set(k, (t.get(k) ?? 0) + n);
    },
    end(ctx: ViewContext) {
      let first = true;
      for (const [errno, label] of [[13, 'EACCES'], [1, 'EPERM']] as const) {
        const rows = [...tables.get(errno)!].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
        if (ctx.json) {
          for (const [k, n] of rows) {
            const p = keyOf.get(k)!;
            const names = by === 'comm-syscall' ? ['comm', 'syscall'] : by === 'pid' ? ['pid', 'comm'] : by === 'uid' ? ['user'] : [by];
            ctx.out.line(JSON.stringify({ errno: label, ...Object.fromEntries(names.map((n2, i) => [n2, n2 === 'pid' ? Number(p[i]) : p[i]])), count: n }));
          }
          continue;
        }
        if (!rows.length) continue;
        if (!first) ctx.out.line('');
        first = false;
        for (const [k, n] of rows) ctx.out.line(`@${label}[${keyOf.get(k)!.join(', ')}]: ${n}`);
      }
    },
  };
}

/** A failed open (EPERM/EACCES) recorded just before the syscall error of the same thread. */
const OPEN_WINDOW_NS = 5e6;

function epermList(o: EpermOptions): View {
  const lastOpen = new Map<number, { ts: number; path: string }>();
  let headerDone = false;
  return {
    probes: ['eperm'],
    tree: false,
    record(r: Record, ctx: ViewContext) {
      if (r.body === 'open') {
        const ret = r.open!.ret ?? 0;
        if (ret === -1 || ret === -13) {
          if (lastOpen.size > 65536) lastOpen.clear(); // bounded: threads die without telling us
          lastOpen.set(r.tid, { ts: r.ts, path: esc(r.open!.path) + (r.open!.pathTruncated ? '[cut]' : '') });
        }
        return;
      }
      if (r.body !== 'syscallError') return;
      const s = r.syscallError!;
      const errno = s.errno ?? 0;
      if (errno !== 1 && errno !== 13) return;
      const name = syscallName(ctx.arch, s.nr ?? 0, s.abi === 1);
      const open = /^open/.test(name) ? lastOpen.get(r.tid) : undefined;
      const path = open && r.ts - open.ts <= OPEN_WINDOW_NS && r.ts >= open.ts ? open.path : '';
      const sys = (o.sysPrefix ? 'sys_' : '') + name + (s.abi === 1 ? ' (compat)' : '');
      const label = errno === 1 ? 'EPERM' : 'EACCES';
      const user = userName(ctx.users, r.uid);
      if (ctx.json) {
        ctx.out.line(JSON.stringify({ time: ctx.clock.iso(r.ts), ts: r.ts / 1e9, pid: r.pid, tid: r.tid, uid: r.uid, user, comm: esc(r.comm),
          syscall: sys, nr: s.nr ?? 0, abi: s.abi === 1 ? 'compat' : 'native', errno: label, ...(path ? { path } : {}) }));
        return;
      }
      if (!headerDone) {
        headerDone = true;
        ctx.out.line(`${pad('TIME', 12)} ${pad('PID', 7)} ${pad('TID', 7)} ${pad('USER', 10)} ${pad('COMM', 16)} ${pad('ERR', 6)} ${pad('SYSCALL', 18)} PATH`);
      }
      const ms = String(Math.floor(ctx.clock.wallMs(r.ts) % 1000)).padStart(3, '0');
      ctx.out.line(`${pad(`${ctx.clock.hms(r.ts)}.${ms}`, 12)} ${pad(String(r.pid), 7)} ${pad(String(r.tid), 7)} ${pad(esc(user), 10)} ${pad(esc(r.comm), 16)} ${pad(label, 6)} ${pad(sys, 18)} ${path || '-'}`);
    },
    end() {},
  };
}
