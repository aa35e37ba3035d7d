// For the views' --json: the schema's rows from a view's context, so switching a view to the
// documented names is one line, e.g. in views/execs.ts:
//   if (ctx.json) { ctx.out.line(toJsonLine('execs', execRow(r, rowsFor(ctx)))); return; }
import type { ViewContext } from '../pipeline.js';
import { rowContext, type RowContext } from './rows.js';

const cache = new WeakMap<ViewContext, RowContext>();

/** The row context of a view run: its header's clock and users, and the pipeline's process tree. */
export function rowsFor(ctx: ViewContext): RowContext {
  let rc = cache.get(ctx);
  if (!rc) { rc = rowContext(ctx.header, ctx.tree); cache.set(ctx, rc); }
  return rc;
}

export { toJsonLine, toJsonObject } from './encode.js';
export { execRow, openRow, syscallErrorRow, ttyWriteRow, readlineRow, forkRow, exitRow, moduleRow, lostRow, processRow } from './rows.js';
