// ttysnoop (`tty DEV`, the tty_write kind's command) and shellsnoop (`shell PID`): they write the
// captured bytes raw, as the live tools do (or escaped with --escape). The replay script is replay.ts.
import type { CaptureRecord } from '../../format/index.js';
import type { View, ViewContext } from '../pipeline.js';
import type { Proc } from '../state/processes.js';
import { esc } from '../text.js';
import { parseTty, ttyName } from './common.js';
import { NearestAncestor } from '../state/ancestry.js';
import { rowsFor, rowOf, type ViewTable } from '../schema/views.js';
const ttyWriteRow = rowOf('tty_writes');

export interface RawOptions { escape?: boolean }

/** ttysnoop's and shellsnoop's rows: the schema's tty_writes; as text, the bytes as they were
 * written (a warning first), or escaped with --escape. */
function writesTable(view: string, o: RawOptions, what: string): ViewTable<CaptureRecord> {
  let warned = false;
  return {
    view,
    schema: 'tty_writes',
    extra: [],
    row: (r, ctx) => ttyWriteRow(r, rowsFor(ctx)),
    text(r, ctx) {
      const data = r.ttyWrite!.data ?? new Uint8Array();
      if (o.escape) return esc(data);
      if (!warned) {
        warned = true;
        ctx.warn(ctx.out.isTTY
          ? `writing the raw bytes of ${what} to this terminal, escape sequences included (--escape shows them as text)`
          : `writing the raw bytes of ${what}; control characters are not escaped (--escape to escape them)`);
      }
      return data;
    },
  };
}

export function ttyView(dev: string, o: RawOptions): View {
  const name = parseTty(dev);
  const table = writesTable('tty', o, name);
  let n = 0;
  return {
    tables: [table],
    probes: ['tty'],
    record(r: CaptureRecord, ctx: ViewContext) {
      if (r.body !== 'ttyWrite' || !r.ttyWrite!.isTty || ttyName(r.ttyWrite!.rdev ?? 0) !== name) return;
      const w = r.ttyWrite!;
      n++;
      ctx.out.row(table, r, ctx);
      if (Number(w.len ?? 0) > (w.data?.length ?? 0)) ctx.warn(`a write of ${w.len} bytes was kept at ${w.data?.length} (--write-bytes when recording)`);
    },
    end(ctx: ViewContext) { if (n === 0) ctx.warn(`no writes to ${name} in this capture`); },
  };
}

/** Selects writes to fd 1/2 by the shell `pid` (and, unless shellOnly, its descendants). */
export class ShellSelector {
  private shell: Proc | null = null;
  private readonly below = new NearestAncestor<Proc>((q) => q === this.shell);
  constructor(readonly pid: number, readonly shellOnly: boolean) {}
  matches(r: CaptureRecord, ctx: ViewContext): boolean {
    if (r.body !== 'ttyWrite') return false;
    const fd = r.ttyWrite!.fd ?? 0;
    if (fd !== 1 && fd !== 2) return false;
    if (this.shell === null) {
      if (r.pid !== this.pid && this.shellOnly) return false;
      const p = ctx.tree.get(this.pid);
      if (!p) return false;
      this.shell = p;
    }
    const p = ctx.tree.procOf(r);
    if (p === this.shell) return true;
    if (this.shellOnly) return false;
    return this.below.of(p) !== null;
  }
}

export function shellView(pid: number, shellOnly: boolean, o: RawOptions): View {
  const sel = new ShellSelector(pid, shellOnly);
  const table = writesTable('shell', o, `shell ${pid}`);
  let n = 0;
  return {
    tables: [table],
    probes: ['tty', 'proc'],
    filtered: false,
    record(r: CaptureRecord, ctx: ViewContext) {
      if (!sel.matches(r, ctx)) return;
      n++;
      ctx.out.row(table, r, ctx);
    },
    end(ctx: ViewContext) { if (n === 0) ctx.warn(`no output from shell ${pid}${shellOnly ? '' : ' or its descendants'} in this capture`); },
  };
}
