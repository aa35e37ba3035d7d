// The command of each kind of analyzer/kinds/ that declares one (`secanalyze creds FILE`): a row per
// record of the kind, with the schema table's columns and the view's own; text is the kind's line.
import { probeName, type CaptureRecord } from '../../format/index.js';
import type { View, ViewContext } from '../pipeline.js';
import type { CommandSpec } from '../command.js';
import { KINDS, type AnyKind } from '../kinds/index.js';
import type { Body, KindView } from '../kinds/types.js';
import { rowOf, rowsFor, type ViewTable } from '../schema/views.js';
import type { EventTable } from '../schema/fields.js';

export function kindView(k: AnyKind): View {
  const v: KindView<typeof k.body> = k.view!;
  const build = rowOf(k.table.name as EventTable);
  const body = (r: CaptureRecord): Body<typeof k.body> => r[k.body]!;
  const table: ViewTable<CaptureRecord> = {
    view: v.command,
    schema: k.table.name as EventTable,
    extra: v.extra,
    row: (r, ctx) => Object.assign(build(r, rowsFor(ctx)), v.more?.(body(r), r, ctx)),
    ...(v.header ? { header: () => v.header!() } : {}),
    text: (r, ctx) => v.text(body(r), r, ctx),
  };
  let seen = false;
  return {
    tables: [table],
    probes: [k.probe],
    kinds: [k.body],
    tree: false,
    record(r: CaptureRecord, ctx: ViewContext) {
      if (r.body !== k.body) return;
      seen = true;
      ctx.out.row(table, r, ctx);
    },
    end(ctx) {
      if (seen || v.none === null) return;
      const probe = (ctx.header.probes ?? []).some((p) => probeName(p.name ?? '') === k.probe);
      ctx.warn(probe ? `no ${v.none} in this capture` : `this capture was recorded without the ${k.probe} probe (an older secrec): it holds no ${v.none}`);
    },
  };
}

/** The view of the kind whose command this is (`modules`, `creds`, ...). */
export function commandView(command: string): View {
  const k = KINDS.find((x) => x.view?.command === command);
  if (!k) throw new Error(`no kind has the command ${command}`);
  return kindView(k);
}

/** The kinds' commands (the old `FILE --NAME` form too), in the kinds' order. */
export const KIND_COMMANDS: CommandSpec[] = KINDS.flatMap((k) => [
  ...(k.view ? [{ name: k.view.command, legacy: `--${k.view.command}`, summary: k.view.summary, async run(r) { await r.view(kindView(k)); } } satisfies CommandSpec] : []),
  ...k.commands ?? [],
]);
