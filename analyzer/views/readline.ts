// bashreadline: commands typed into bash. Columns: TIME PID COMMAND.
import type { Record } from '../../format/index.js';
import type { View, ViewContext } from '../pipeline.js';
import { esc, pad } from '../text.js';
import { readlineRow, rowsFor, type ViewTable } from '../schema/views.js';

const table: ViewTable<Record> = {
  view: 'readline',
  schema: 'readline',
  extra: [],
  row: (r, ctx) => readlineRow(r, rowsFor(ctx)),
  header: () => `${pad('TIME', 9)} ${pad('PID', 7)} COMMAND`,
  text: (r, ctx) => `${pad(ctx.clock.hms(r.ts), 9)} ${pad(String(r.pid), 7)} ${esc(r.readline!.line)}${r.readline!.truncated ? ' ...' : ''}`,
};

export function readlineView(): View {
  return {
    tables: [table],
    probes: ['readline'],
    kinds: ['readline'],
    tree: false,
    record(r: Record, ctx: ViewContext) { if (r.body === 'readline') ctx.out.row(table, r, ctx); },
    end() {},
  };
}
