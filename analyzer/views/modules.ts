// modsnoop: kernel module loads. "HH:MM:SS module init: NAME, by COMM (PID N, user USER, UID N)".
import type { Record } from '../../format/index.js';
import { userName, type View, type ViewContext } from '../pipeline.js';
import { esc } from '../text.js';

export function modulesView(): View {
  return {
    probes: ['module'],
    kinds: ['moduleLoad'],
    tree: false,
    record(r: Record, ctx: ViewContext) {
      if (r.body !== 'moduleLoad') return;
      const m = r.moduleLoad!;
      const user = userName(ctx.users, r.uid);
      if (ctx.json) {
        ctx.out.line(JSON.stringify({ time: ctx.clock.iso(r.ts), module: esc(m.name), taints: m.taints ?? 0, comm: esc(r.comm), pid: r.pid, user, uid: r.uid }));
        return;
      }
      ctx.out.line(`${ctx.clock.hms(r.ts)} module init: ${esc(m.name)}, by ${esc(r.comm)} (PID ${r.pid}, user ${esc(user)}, UID ${r.uid})`);
    },
    end() {},
  };
}
