// modsnoop: kernel module loads. "HH:MM:SS module init: NAME, by COMM (PID N, user USER, UID N)".
import type { Record } from '../../format/index.js';
import { userName, type View, type ViewContext } from '../pipeline.js';
import { esc } from '../text.js';
import { moduleRow, rowsFor, type ViewTable } from '../schema/views.js';

const table: ViewTable<Record> = {
  view: 'modules',
  schema: 'modules',
  extra: [{ name: 'user', type: 'str', doc: 'user name of uid on the recorded host; null when unknown' }],
  row(r, ctx) { const row = moduleRow(r, rowsFor(ctx)); row['user'] = ctx.users.get(r.uid) ?? null; return row; },
  text: (r, ctx) => `${ctx.clock.hms(r.ts)} module init: ${esc(r.moduleLoad!.name)}, by ${esc(r.comm)} (PID ${r.pid}, user ${esc(userName(ctx.users, r.uid))}, UID ${r.uid})`,
};

export function modulesView(): View {
  return {
    tables: [table],
    probes: ['module'],
    kinds: ['moduleLoad'],
    tree: false,
    record(r: Record, ctx: ViewContext) { if (r.body === 'moduleLoad') ctx.out.row(table, r, ctx); },
    end() {},
  };
}
