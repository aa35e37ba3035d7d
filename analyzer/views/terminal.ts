// ttysnoop (--tty DEV), shellsnoop (--shell PID) and the shell replay script (--replay PID).
// The first two write the captured bytes raw, as the live tools do (or escaped with --escape).
import type { Record } from '../../format/index.js';
import type { View, ViewContext } from '../pipeline.js';
import type { Proc } from '../state/processes.js';
import { esc } from '../text.js';
import { parseTty, ttyName } from './common.js';

export interface RawOptions { escape?: boolean }

function rawSink(ctx: ViewContext, o: RawOptions, what: string): (data: Uint8Array) => void {
  let bytes = 0;
  return (data) => {
    if (bytes === 0 && !o.escape && !ctx.json) {
      ctx.warn(process.stdout.isTTY
        ? `writing the raw bytes of ${what} to this terminal, escape sequences included (--escape shows them as text)`
        : `writing the raw bytes of ${what}; control characters are not escaped (--escape to escape them)`);
    }
    bytes += data.length;
    if (ctx.json) return;
    if (o.escape) ctx.out.line(esc(data));
    else ctx.out.raw(data);
  };
}

export function ttyView(dev: string, o: RawOptions): View {
  const name = parseTty(dev);
  let sink: ((d: Uint8Array) => void) | null = null;
  let n = 0;
  return {
    probes: ['tty'],
    record(r: Record, ctx: ViewContext) {
      if (r.body !== 'ttyWrite' || !r.ttyWrite!.isTty || ttyName(r.ttyWrite!.rdev ?? 0) !== name) return;
      const w = r.ttyWrite!;
      n++;
      if (ctx.json) {
        ctx.out.line(JSON.stringify({ time: ctx.clock.iso(r.ts), ts: r.ts / 1e9, pid: r.pid, comm: esc(r.comm), fd: w.fd, tty: name, len: w.len, data: esc(w.data) }));
        return;
      }
      sink ??= rawSink(ctx, o, name);
      sink(w.data ?? new Uint8Array());
      if (Number(w.len ?? 0) > (w.data?.length ?? 0)) ctx.warn(`a write of ${w.len} bytes was kept at ${w.data?.length} (--write-bytes when recording)`);
    },
    end(ctx: ViewContext) { if (n === 0) ctx.warn(`no writes to ${name} in this capture`); },
  };
}

/** Selects writes to fd 1/2 by the shell `pid` (and, unless shellOnly, its descendants). */
export class ShellSelector {
  private shell: Proc | null = null;
  private readonly memo = new Map<Proc, boolean>();
  constructor(readonly pid: number, readonly shellOnly: boolean) {}
  matches(r: Record, ctx: ViewContext): boolean {
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
    // memoize the whole walked path: amortized linear, and finite since the tree is a forest
    let hit = this.memo.get(p);
    if (hit === undefined) {
      const path: Proc[] = [];
      hit = false;
      for (let q: Proc | null = p; q; q = q.parent) {
        if (q === this.shell) { hit = true; break; }
        const m = this.memo.get(q);
        if (m !== undefined) { hit = m; break; }
        path.push(q);
      }
      for (const q of path) this.memo.set(q, hit);
    }
    return hit;
  }
}

export function shellView(pid: number, shellOnly: boolean, o: RawOptions): View {
  const sel = new ShellSelector(pid, shellOnly);
  let sink: ((d: Uint8Array) => void) | null = null;
  let n = 0;
  return {
    probes: ['tty', 'proc'],
    filtered: false,
    record(r: Record, ctx: ViewContext) {
      if (!sel.matches(r, ctx)) return;
      n++;
      const w = r.ttyWrite!;
      if (ctx.json) {
        ctx.out.line(JSON.stringify({ time: ctx.clock.iso(r.ts), ts: r.ts / 1e9, pid: r.pid, comm: esc(r.comm), fd: w.fd, len: w.len, data: esc(w.data) }));
        return;
      }
      sink ??= rawSink(ctx, o, `shell ${pid}`);
      sink(w.data ?? new Uint8Array());
    },
    end(ctx: ViewContext) { if (n === 0) ctx.warn(`no output from shell ${pid}${shellOnly ? '' : ' or its descendants'} in this capture`); },
  };
}
