// eperm: syscalls failing with EPERM (-1) or EACCES (-13), counted by (comm, syscall) — the book
// tool's two labels are swapped; these are right. One table per errno, ascending by count.
import type { Record } from '../../format/index.js';
import { userName, type View, type ViewContext } from '../pipeline.js';
import { esc } from '../text.js';
import { syscallName } from '../syscalls.js';

export type EpermKey = 'comm-syscall' | 'syscall' | 'comm' | 'pid' | 'uid';

export function epermView(by: EpermKey = 'comm-syscall'): View {
  const tables = new Map<number, Map<string, number>>([[13, new Map()], [1, new Map()]]);
  const keyOf = new Map<string, string[]>();
  return {
    probes: ['eperm'],
    tree: false,
    record(r: Record, ctx: ViewContext) {
      if (r.body !== 'syscallError') return;
      const s = r.syscallError!;
      const errno = s.errno ?? 0;
      const t = tables.get(errno);
      if (!t) return;
      const sys = syscallName(ctx.arch, s.nr ?? 0, s.abi === 1);
      const parts = by === 'comm-syscall' ? [esc(r.comm), sys] : by === 'syscall' ? [sys] : by === 'comm' ? [esc(r.comm)]
        : by === 'pid' ? [String(r.pid), esc(r.comm)] : [esc(userName(ctx.users, r.uid))];
      const k = parts.join('\0');
      if (!keyOf.has(k)) keyOf.set(k, parts);
      t.set(k, (t.get(k) ?? 0) + 1);
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
