// The analyzer's pipeline, in order:
//   1. read     format/ CaptureReader: frames → records (bounded, forgiving)
//   2. state    ProcessTree (and the header's clock and users) built from every record
//   3. filter   global --since/--until/--pid/--comm/--uid
//   4. view     one module of views/ consumes the records that pass
//   5. render   render.ts: the view's rows as the classic tool's text, NDJSON or CSV, into the
//               sink RunOptions names (stdout by default); charts go through vega
import { BODY_KINDS, CaptureReader, probeName, type BodyKind, type Frame, type Header, type CaptureRecord } from '../format/index.js';
import type { FrameSink } from '../format/reader.js';
import type { RawRecord, RecordPlan } from '../format/lazy.js';
import { FrameLookup, outside, type TimeIndex } from '../format/timeindex.js';
import { workersFor } from '../format/reader-prefetch.js';
import { CaptureClock } from './time.js';
import { ProcessTree } from './state/processes.js';
import { esc, guard } from './text.js';
import { Renderer, type OutputFormat, type Sink } from './render.js';
import type { ViewTable } from './schema/views.js';
import { UsageError } from './errors.js';

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
  /** Where the view's rows and lines go (its format: out.format). */
  out: Renderer;
  users: Map<number, string>;
  reader: CaptureReader;
  /** Events lost per probe family, so far. */
  lost: Map<string, number>;
  /** Set for views with `framing` when the capture ended whole: counts come from the trailer. */
  framing?: FramingCounts;
  warn(msg: string): void;
}

/** What the framing and the trailer tell without decoding the records. */
export interface FramingCounts {
  /** Records per body kind (header and trailer included). */
  counts: Map<string, number>;
  records: number;
  /** Latest timestamp of the decoded records other than process snapshots and the header (the trailer's). */
  lastTs: number;
}

export interface View {
  /** Probe families whose loss or absence matters to this view. */
  readonly probes: readonly string[];
  /** Whether the process tree is needed (memory grows with processes; skip it when not). */
  readonly tree?: boolean;
  /** Whether the global filters apply (views of whole sessions filter for themselves);
   * 'time': only --since/--until (a session's window, its processes chosen by the view). */
  readonly filtered?: boolean | 'time';
  /** Body kinds record() reads; the reader passes over the others undecoded. Absent: every kind. */
  readonly kinds?: readonly BodyKind[];
  /** Body fields record() reads, as 'kind.field' (e.g. 'syscallError.nr'); the others keep their
   * defaults. Absent: every field. Common fields (ts, pid, comm, ...) are always decoded. */
  readonly fields?: readonly string[];
  /** Counts from the trailer are enough: when the capture ends whole (chain intact, trailer and end
   * marker agree), frames are only chained, not decoded, record() is not called and ctx.framing is set. */
  readonly framing?: boolean;
  /** Counting only: record() reads no common field but pid, uid and comm (ts is one of the records'),
   * and adds `n`; the reader may then deliver a record repeated n times once (format/lazy.ts). */
  readonly counts?: boolean;
  /** With `counts`: which of pid and uid record() reads (absent: both). The others are not told
   * apart, so more records come as one (a representative's pid or uid is then any of theirs). */
  readonly countsBy?: readonly ('pid' | 'uid')[];
  /** The tables a tabular view writes its rows to (render.ts: text, --json, --csv); absent for views
   * of lines only (info, replay). */
  readonly tables?: readonly ViewTable<any>[];
  /** One record that passed the filters; n > 1 only for a view with `counts`. */
  record?(r: CaptureRecord, ctx: ViewContext, n?: number): void;
  /** --json of a table with byte lines: its kinds may come as raw records (no Record made) to
   * raw.record(), which writes through ctx.out.rawRow() what record() would through row(). */
  readonly raw?: RawView;
  end(ctx: ViewContext): void | Promise<void>;
}

export interface RawView {
  readonly kinds: readonly BodyKind[];
  readonly table: ViewTable<any>;
  /** A raw record that passed the filters (valid during the call only). */
  record(d: RawRecord, ctx: ViewContext): void;
}

export interface RunOptions {
  file: string;
  /** text (the default), json (NDJSON) or csv. */
  format?: OutputFormat;
  /** Where results go; process.stdout by default. */
  output?: Sink;
  filters: Filters;
  /** Parsed lazily because --since may be wall-clock time, which needs the header. */
  times?: { since?: string; until?: string };
  /** Where to read when not the file named (standard input copied aside); `file` names it. */
  source?: () => AsyncIterable<Uint8Array>;
  progress?: (bytesRead: number) => void;
  warn?: (msg: string) => void;
  /** Per-frame times (format/timeindex.ts): frames wholly outside --since/--until are not decompressed,
   * for views that do not keep the process tree (it needs every frame). */
  index?: TimeIndex | null;
  /** false: every record decoded, never raw (the reference the tests compare raw lines with). */
  raw?: boolean;
}

export { userName } from './text.js';

/** A record's comm when it has none (a decoded Record's default is empty too). */
const NO_COMM = Buffer.alloc(0);

/** Adds a loss report to the tally by probe. */
const addLost = (m: Map<string, number>, probe: string | null | undefined, count: number | null | undefined): void => {
  m.set(probe ?? '?', (m.get(probe ?? '?') ?? 0) + Number(count ?? 0));
};

/** Kinds the process tree reads whole; it counts every other record by its common fields. */
const TREE_KINDS: readonly BodyKind[] = ['process', 'fork', 'exec', 'exit'];

/** What the reader must decode for this view (and the tree, and the loss counts). */
export function planFor(view: View, useTree: boolean, filters: Filters = {}): RecordPlan | undefined {
  const viewKinds = view.record ? view.kinds : [];
  if (viewKinds === undefined && view.fields === undefined) return undefined;
  const plan = readPlan(view, viewKinds, useTree);
  const reads = new Set<BodyKind>(viewKinds ?? BODY_KINDS);
  // the tree alone reads a kind whose body nobody wants: its common fields, no Record
  if (useTree) plan.touch = new Set([...plan.fields].filter(([k, want]) => want.size === 0 && !reads.has(k)).map(([k]) => k));
  if (view.counts && !useTree && viewKinds !== undefined) {
    plan.counted = new Set(viewKinds.filter((k) => plan.fields.has(k)));
    // the filters read pid and uid too
    const by = new Set([...view.countsBy ?? ['pid', 'uid'], ...(filters.pid !== undefined ? ['pid'] : []), ...(filters.uid !== undefined ? ['uid'] : [])]);
    plan.countBy = { pid: by.has('pid'), uid: by.has('uid') };
  }
  return plan;
}

function readPlan(view: View, viewKinds: readonly BodyKind[] | undefined, useTree: boolean): RecordPlan & { fields: Map<BodyKind, Set<string>> } {
  const whole = new Set<BodyKind>(['lost', 'malformed', ...(useTree ? TREE_KINDS : [])]);
  const reads = new Set<BodyKind>(viewKinds ?? BODY_KINDS);
  const fields = new Map<BodyKind, Set<string>>();
  for (const k of BODY_KINDS) {
    if (whole.has(k)) continue;
    if (!reads.has(k)) fields.set(k, new Set()); // only the tree sees it: common fields suffice
    else if (view.fields !== undefined) fields.set(k, new Set(view.fields.filter((f) => f.startsWith(`${k}.`)).map((f) => f.slice(k.length + 1))));
  }
  return { kinds: useTree || viewKinds === undefined ? null : new Set([...reads, ...whole]), fields }; // null: records without a body too
}

/** A reader and its frames for --info: the framing alone when the capture ends whole, else undefined. */
async function fromFraming(file: string): Promise<{ reader: CaptureReader; frames: Frame[] | null; framing: FramingCounts; lost?: Map<string, number> } | undefined> {
  const skim = new CaptureReader(file, { skim: true });
  const kept: Frame[] = [];
  let lastTs = 0;
  for await (const f of skim.frames()) {
    kept.push(f);
    for (const r of f.records) if (r.body !== 'process' && r.body !== 'header' && r.ts > lastTs) lastTs = r.ts;
  }
  const t = skim.trailer;
  if (t === null || skim.issues.length > 0 || skim.integrity().verdict !== 'intact') return undefined;
  const counts = new Map<string, number>();
  for (const c of t.counts ?? []) counts.set(c.kind ?? '?', (counts.get(c.kind ?? '?') ?? 0) + Number(c.count ?? 0));
  counts.set('trailer', (counts.get('trailer') ?? 0) + 1);
  const records = [...counts.values()].reduce((a, b) => a + b, 0);
  if (records !== skim.recordCount || Number(t.records ?? 0) + 1 !== records) return undefined;
  const framing = { counts, records, lastTs };
  if (!counts.get('lost')) return { reader: skim, frames: kept, framing };
  // A recorder since the trailer's loss table (lost_by_probe) says there what the lost records add up to.
  const table = t.lostByProbe ?? [];
  if (table.length > 0 && table.reduce((a, l) => a + Number(l.count ?? 0), 0) === Number(t.lost ?? 0)) {
    const lost = new Map<string, number>();
    for (const l of table) addLost(lost, l.probe, l.count);
    return { reader: skim, frames: kept, framing, lost };
  }
  // Loss per probe is only in the lost records: read those, pass over the rest undecoded.
  const reader = new CaptureReader(file, { plan: { kinds: new Set<BodyKind>(['lost']), fields: new Map() }, workers: workersFor() });
  return { reader, frames: null, framing };
}

export async function run(view: View, o: RunOptions): Promise<ViewContext> {
  const format = o.format ?? 'text';
  // rows name their process (pid@start), which needs the tree: only text goes without it
  const useTree = (view.tree ?? true) || (format !== 'text' && !view.framing);
  const out = new Renderer(format, o.output);
  const plan = planFor(view, useTree, o.filters);
  const rawView = o.raw !== false && plan && view.raw && view.record && out.canRaw(view.raw.table) ? view.raw : undefined;
  if (rawView) plan!.raw = new Set(rawView.kinds);
  const fast = view.framing && !useTree && !o.source ? await fromFraming(o.file) : undefined;
  const deliver = fast === undefined && view.record !== undefined;
  const filtered = view.filtered ?? true;
  const lookup = o.index && !o.source && !useTree && deliver && filtered ? new FrameLookup(o.index) : null;
  // Known only once the header is read (the first frame is never skipped): see ctx below.
  const f = { ...o.filters };
  let lastTs = 0;
  let windowKnown = false;
  const skipFrame = lookup === null ? undefined : (p: Parameters<FrameLookup['span']>[0], at: number): boolean => {
    const s = windowKnown ? lookup.span(p, at) : undefined;
    if (s === undefined || !outside(s, f.since, f.until)) return false;
    if (s.maxTs > lastTs) lastTs = s.maxTs;
    return true;
  };
  const workers = o.source || skipFrame ? 0 : workersFor();
  const ro = { ...(plan ? { plan } : {}), ...(skipFrame ? { skipFrame } : {}), workers };
  const reader = fast?.reader ?? (o.source ? new CaptureReader(o.source(), { name: o.file, ...ro }) : new CaptureReader(o.file, ro));
  const viewKinds = view.kinds ? new Set<string | undefined>(view.kinds) : null;
  const counted = !!plan?.counted?.size;
  const warnSink = o.warn ?? ((m: string) => process.stderr.write(`secanalyze: ${m}\n`));
  const warn = (m: string): void => warnSink(guard(m)); // stderr is a terminal too
  const tree = new ProcessTree();
  let ctx: ViewContext | null = null;
  const commBuf = f.comm !== undefined ? Buffer.from(f.comm) : null;
  // loss per probe: from the trailer's table when the framing alone is read, else from the lost records
  const lost = new Map<string, number>(fast?.lost ?? []);
  const lostInTrailer = fast?.lost !== undefined;
  let inWindow = 0;
  let malformed = 0;
  const begin = (): ViewContext => {
    const header = reader.header ?? {};
    const clock = new CaptureClock(reader.header, { file: o.file, warn });
    for (const role of ['since', 'until'] as const) {
      const v = o.times?.[role];
      if (!v) continue;
      const b = clock.parse(v, role);
      f[role] = b.ns;
      if (b.note) warn(b.note);
    }
    if (f.since !== undefined && f.until !== undefined && f.since > f.until) {
      throw new UsageError(`the window is empty: --since ${o.times?.since} (${clock.local(f.since)}) is after --until ${o.times?.until} (${clock.local(f.until)})`);
    }
    const c: ViewContext = {
      file: o.file, header, clock, arch: header.arch ?? 'x86_64', tree, out,
      users: new Map((header.users ?? []).map((u) => [u.uid ?? 0, u.name ?? ''])), reader, lost, warn,
    };
    if (fast) c.framing = fast.framing;
    windowKnown = true;
    if (counted) reader.countWindow = filtered ? { since: f.since, until: f.until } : { since: undefined, until: undefined };
    if (!reader.header) warn(`${o.file}: the header record is missing (damaged start): times are offsets, user names unknown`);
    return c;
  };
  /** The global filters, for a record or a raw record (counted in the window: n records). */
  const passes = (ts: number, pid: number, uid: number, comm: Uint8Array | undefined, body: string | undefined, n: number): boolean => {
    if (!filtered) return true;
    if (f.since !== undefined && ts < f.since && body !== 'process') return false;
    if (f.until !== undefined && ts > f.until) return false;
    if (body !== 'process' && body !== 'header') inWindow += n;
    if (filtered === 'time') return true;
    if (f.pid !== undefined && pid !== f.pid) return false;
    if (f.uid !== undefined && uid !== f.uid) return false;
    return commBuf === null || commBuf.equals(comm ?? NO_COMM);
  };
  const records: FrameSink = {
    record(r: CaptureRecord, n: number): void {
      ctx ??= begin();
      if (useTree) tree.observe(r);
      if (r.ts > lastTs) lastTs = r.ts;
      if (r.lost && !lostInTrailer) addLost(lost, r.lost.probe, r.lost.count);
      if (r.malformed) malformed++;
      if (!deliver || (viewKinds !== null && !viewKinds.has(r.body))) return;
      if (passes(r.ts, r.pid, r.uid, r.comm, r.body, n)) view.record!(r, ctx, n);
    },
    raw(d: RawRecord): void {
      ctx ??= begin();
      if (useTree) tree.touch(d.pid, d.ppid, d.uid, d.comm); // what observe() does with a record of a raw kind
      if (d.ts > lastTs) lastTs = d.ts;
      if (deliver && passes(d.ts, d.pid, d.uid, d.comm, d.kind, 1)) rawView!.record(d, ctx);
    },
    touch(ts: number, pid: number, ppid: number, uid: number, comm: Buffer | undefined): void {
      ctx ??= begin();
      tree.touch(pid, ppid, uid, comm);
      if (ts > lastTs) lastTs = ts;
    },
    frameEnd(offset: number, compressedLen: number): void { o.progress?.(reader.fileBytes || offset + compressedLen); },
  };
  if (fast?.frames) {
    for (const frame of fast.frames) {
      for (const r of frame.records) records.record(r, 1);
      records.frameEnd!(frame.offset, frame.compressedLen);
    }
  } else {
    await reader.read(records);
  }
  if (ctx === null) {
    ctx = {
      file: o.file, header: {}, clock: new CaptureClock(null), arch: 'x86_64', tree, out,
      users: new Map(), reader, lost, warn,
    };
  }
  if ((f.since !== undefined || f.until !== undefined) && inWindow === 0 && view.record && filtered) {
    warn(`${o.file}: no record in the window ${f.since !== undefined ? ctx.clock.local(f.since) : 'start'} … ${f.until !== undefined ? ctx.clock.local(f.until) : 'end'}; the capture covers ${ctx.clock.local(0)} … ${ctx.clock.local(lastTs)}`);
  }
  await view.end(ctx);
  ctx.out.finish(view.tables ?? []);
  ctx.out.close();
  report(view, ctx);
  if (malformed) ctx.warn(`${o.file}: ${malformed} kernel record(s) the recorder could not decode are kept as malformed records: the events behind them may be missing from this view`);
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
    if (!view.probes.includes(probeName(p.name ?? ''))) continue;
    if (!p.attached) ctx.warn(`probe ${esc(p.name)} was not attached when recording (${esc(p.reason)}): this view may be empty`);
  }
  for (const [probe, n] of ctx.lost) {
    if (view.probes.includes(probeName(probe))) ctx.warn(`${n} ${esc(probe)} events were lost in the kernel while recording: this view has gaps`);
  }
}
