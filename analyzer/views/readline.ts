// bashreadline: commands typed into bash. Columns: TIME PID COMMAND.
import type { Record } from '../../format/index.js';
import type { View, ViewContext } from '../pipeline.js';
import { esc, pad } from '../text.js';

export function readlineView(): View {
  let headerDone = false;
  return {
    probes: ['readline'],
    kinds: ['readline'],
    tree: false,
    record(r: Record, ctx: ViewContext) {
      if (r.body !== 'readline') return;
      const l = r.readline!;
      if (ctx.json) {
        ctx.out.line(JSON.stringify({ time: ctx.clock.iso(r.ts), ts: r.ts / 1e9, pid: r.pid, uid: r.uid, command: esc(l.line), truncated: !!l.truncated }));
        return;
      }
      if (!headerDone) { headerDone = true; ctx.out.line(`${pad('TIME', 9)} ${pad('PID', 7)} COMMAND`); }
      ctx.out.line(`${pad(ctx.clock.hms(r.ts), 9)} ${pad(String(r.pid), 7)} ${esc(l.line)}${l.truncated ? ' ...' : ''}`);
    },
    end() {},
  };
}
