// The analyzer's pipeline, in order:
//   1. read     format/ CaptureReader: frames → records (bounded, forgiving)
//   2. state    ProcessTree (and the header's clock and users) built from every record
//   3. filter   global --since/--until/--pid/--comm/--uid
//   4. view     one module of views/ consumes the records that pass
//   5. render   the view writes text, JSON lines or CSV through Out; charts go through vega
import { CaptureReader, type Header, type Record } from '../format/index.js';
import { CaptureClock } from './time.js';
import { captureClock } from './state/clock.js';
import { ProcessTree } from './state/processes.js';
import { Out, esc, guard } from './text.js';

export interface Filters {
  since?: number;
  until?: number;
  pid?: number;
  comm?: string;
  uid?: number;
}

export interface ViewContext {
  file: string;
  header: Header;
  clock: CaptureClock;
  arch: string;
  tree: ProcessTree;
  out: Out;
  json: boolean;
  users: Map<number, string>;
  reader: CaptureReader;
  /** Events lost per probe family, so far. */
  lost: Map<string, number>;
  warn(msg: string): void;
}

export interface View {
  /** Probe families whose loss or absence matters to this view. */
  readonly probes: readonly string[];
  /** Whether the process tree is needed (memory grows with processes; skip it when not). */
  readonly tree?: boolean;
  /** Whether the global filters apply (views of whole sessions filter for themselves). */
  readonly filtered?: boolean;
  record?(r: Record, ctx: ViewContext): void;
  end(ctx: ViewContext): void | Promise<void>;
}

export interface RunOptions {
  file: string;
  json: boolean;
  filters: Filters;
  /** Parsed lazily because --since may be wall-clock time, which needs the header. */
  times?: { since?: string; until?: string };
  progress?: (bytesRead: number) => void;
  warn?: (msg: string) => void;
}

export function userName(users: Map<number, string>, uid: number): string {
  return users.get(uid) ?? String(uid);
}

export async function run(view: View, o: RunOptions): Promise<ViewContext> {
  const reader = new CaptureReader(o.file);
  const sink = o.warn ?? ((m: string) => process.stderr.write(`secanalyze: ${m}\n`));
  const warn = (m: string): void => sink(guard(m)); // stderr is a terminal too
  const tree = new ProcessTree();
  let ctx: ViewContext | null = null;
  const f = { ...o.filters };
  const commBuf = f.comm !== undefined ? Buffer.from(f.comm) : null;
  const lost = new Map<string, number>();
  const filtered = view.filtered ?? true;
  const useTree = view.tree ?? true;
  for await (const frame of reader.frames()) {
    for (const r of frame.records) {
      if (ctx === null) {
        const header = reader.header ?? {};
        const clock = captureClock(reader.header, o.file, warn);
        if (o.times?.since) f.since = clock.parse(o.times.since);
        if (o.times?.until) f.until = clock.parse(o.times.until);
        ctx = {
          file: o.file, header, clock, arch: header.arch ?? 'x86_64', tree, out: new Out(), json: o.json,
          users: new Map((header.users ?? []).map((u) => [u.uid ?? 0, u.name ?? ''])), reader, lost, warn,
        };
        if (!reader.header) warn(`${o.file}: the header record is missing (damaged start): times are offsets, user names unknown`);
      }
      if (useTree) tree.observe(r);
      if (r.lost) lost.set(r.lost.probe ?? '?', (lost.get(r.lost.probe ?? '?') ?? 0) + Number(r.lost.count ?? 0));
      if (!view.record) continue;
      if (filtered) {
        if (f.since !== undefined && r.ts < f.since && r.body !== 'process') continue;
        if (f.until !== undefined && r.ts > f.until) continue;
        if (f.pid !== undefined && r.pid !== f.pid) continue;
        if (f.uid !== undefined && r.uid !== f.uid) continue;
        if (commBuf !== null && !commBuf.equals(r.comm)) continue;
      }
      view.record(r, ctx);
    }
    o.progress?.(reader.fileBytes || frame.offset + frame.compressedLen);
  }
  if (ctx === null) {
    ctx = {
      file: o.file, header: {}, clock: new CaptureClock(null), arch: 'x86_64', tree, out: new Out(), json: o.json,
      users: new Map(), reader, lost, warn,
    };
  }
  await view.end(ctx);
  ctx.out.flush();
  report(view, ctx);
  return ctx;
}

/** The stderr lines every view owes its reader: damage, loss, probes that were not there. */
function report(view: View, ctx: ViewContext): void {
  for (const line of ctx.reader.describeIssues().slice(0, 20)) ctx.warn(line);
  if (ctx.reader.issues.length > 20) ctx.warn(`... and ${ctx.reader.issues.length - 20} more problems (see --info)`);
  if (ctx.tree.cycles.length) {
    const c = ctx.tree.cycles[0]!;
    ctx.warn(`${ctx.file}: ${ctx.tree.cycles.length} process record(s) name a parent that would close a cycle (first: pid ${c.proc.pid} → ${c.parent.pid}); forged or damaged snapshot: shown as roots`);
  }
  const integ = ctx.reader.integrity();
  if (integ.verdict !== 'intact') ctx.warn(`${ctx.file}: ${integ.text}; every intact record was read`);
  for (const p of ctx.header.probes ?? []) {
    if (!view.probes.includes(p.name ?? '')) continue;
    if (!p.attached) ctx.warn(`probe ${esc(p.name)} was not attached when recording (${esc(p.reason)}): this view may be empty`);
  }
  for (const [probe, n] of ctx.lost) {
    if (view.probes.includes(probe)) ctx.warn(`${n} ${esc(probe)} events were lost in the kernel while recording: this view has gaps`);
  }
}
