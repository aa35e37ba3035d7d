// Report, phase 1: read the capture (twice: once for everything, once more for each shell session's
// replay) and gather what the page shows. Every captured string is escaped text here (esc), and
// the page template escapes it again for HTML.
import type { TopLevelSpec } from 'vega-lite';
import type { CaptureRecord } from '../../format/index.js';
import { run, type View, type ViewContext } from '../pipeline.js';
import type { Proc } from '../state/processes.js';
import { esc } from '../text.js';
import { Renderer } from '../render.js';
import { errnoName } from '../syscalls.js';
import { chartView, type ChartKind } from '../charts.js';
import { execArgs } from '../views/execs.js';
import { replayView } from '../views/replay.js';
import { HostTimeline, hostTimelineView } from '../views/hosttimeline.js';
import { Facts, factsView, showPath } from '../triage/facts.js';
import { evaluate, summaryLines, type Finding } from '../triage/index.js';
import { at, procKey } from '../triage/rules.js';

export interface TreeNode { label: string; title: string; meta: string; children: TreeNode[]; more: number }
export interface ReportData {
  file: string;
  host: string;
  summary: string[];
  integrity: string;
  chain: string | null;
  lost: number;
  findings: Finding[];
  tree: TreeNode[];
  timeline: { time: string; kind: string; session: string; text: string }[];
  eperm: { errno: string; comm: string; what: string; count: number }[];
  charts: { kind: ChartKind; spec: TopLevelSpec }[];
  sessions: { pid: number; name: string; title: string; cast: string; pageCast: string; cut: boolean; script: string; cols: number; rows: number }[];
}

const LABEL = 240;
const MAX_DEPTH = 100;
const MAX_CHILDREN = 500;
const MAX_ROWS = 20_000;
/** Characters of one session's asciicast inlined in the page; the whole cast is in sessions/. */
const PAGE_CAST = 8 << 20;
const cap = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n)}…` : s);

/** Runs several views over one read; each writes into its own renderer (kept, not printed). */
function together(views: View[], outs: string[][]): View {
  const ctxs = new Map<number, ViewContext>();
  const own = (i: number, ctx: ViewContext): ViewContext => {
    let c = ctxs.get(i);
    if (!c) { c = { ...ctx, out: new Renderer('text', { write: (s) => outs[i]!.push(String(s)) }) }; ctxs.set(i, c); }
    return c;
  };
  return {
    probes: [],
    filtered: false,
    record(r: CaptureRecord, ctx: ViewContext) { views.forEach((v, i) => v.record?.(r, own(i, ctx))); },
    async end(ctx: ViewContext) {
      for (const [i, v] of views.entries()) { const c = own(i, ctx); await v.end(c); c.out.flush(); }
    },
  };
}

function treeOf(ctx: ViewContext): TreeNode[] {
  const keep = new Set<Proc>();
  for (const p of ctx.tree.all) if (p.active) for (const q of ctx.tree.ancestry(p)) keep.add(q);
  const node = (p: Proc, depth: number): TreeNode => {
    const cmds = p.execs.filter((e) => !e.snapshot || p.execs.length === 1)
      .map((e) => (e.ret ? `✗ ${execArgs(e.filename, e.argv, 20, false, e.argsTruncated)} (${errnoName(e.ret)})` : execArgs(e.filename, e.argv, 20, false, e.argsTruncated)));
    const full = cmds.join(' → ') || `[${esc(p.comm)}]`;
    const exit = p.exit ? (p.exit.signal ? `signal ${p.exit.signal}` : `exit ${p.exit.code}`) : '';
    const kids = p.children.filter((c) => keep.has(c));
    return {
      label: cap(full, LABEL), title: cap(full, 4000),
      meta: [`pid ${procKey(p, ctx)}`, esc(ctx.users.get(p.uid) ?? String(p.uid)), p.start !== null && p.start < 0 ? 'before capture' : '', exit].filter(Boolean).join(', '),
      children: depth < MAX_DEPTH ? kids.slice(0, MAX_CHILDREN).map((c) => node(c, depth + 1)) : [],
      more: depth < MAX_DEPTH ? Math.max(0, kids.length - MAX_CHILDREN) : kids.length,
    };
  };
  return ctx.tree.roots().filter((p) => keep.has(p)).slice(0, MAX_CHILDREN).map((p) => node(p, 0));
}

export async function collect(file: string, warn: (m: string) => void): Promise<ReportData> {
  const facts = new Facts();
  const timeline = new HostTimeline();
  const charts: ReportData['charts'] = [];
  const kinds: ChartKind[] = ['events', 'sessions', 'eperm'];
  const views: View[] = [
    factsView(facts), hostTimelineView(timeline, false),
    ...kinds.map((kind) => chartView({ kind, output: '', top: 20 }, async (spec) => { charts.push({ kind, spec }); })),
  ];
  const ctx = await run(together(views, views.map(() => [])), { file, filters: {}, warn });
  const findings = evaluate(facts, ctx);
  const eperm = new Map<string, { errno: string; comm: string; what: string; count: number }>();
  for (const x of facts.denials) {
    const comm = esc(x.proc.comm);
    const what = x.path === null ? x.what : `${x.what} ${showPath(x.path)}`;
    const k = `${x.errno}\0${comm}\0${what}`;
    const row = eperm.get(k) ?? { errno: errnoName(x.errno), comm, what, count: 0 };
    row.count++;
    eperm.set(k, row);
  }
  const d: ReportData = {
      file: esc(file), host: esc(ctx.header.hostname), summary: summaryLines(ctx, facts),
      integrity: ctx.reader.integrity().text, chain: ctx.reader.endMarker?.chain.toString('hex') ?? null,
      lost: [...ctx.lost.values()].reduce((a, b) => a + b, 0),
      findings, tree: treeOf(ctx),
      timeline: timeline.result(ctx).slice(0, MAX_ROWS).map((it) => ({ time: at(ctx, it.ts), kind: it.kind, session: it.session === null ? '' : String(it.session), text: cap(it.text, 2000) })),
      eperm: [...eperm.values()].sort((a, b) => b.count - a.count).slice(0, 500),
      charts: charts.sort((a, b) => kinds.indexOf(a.kind) - kinds.indexOf(b.kind)), sessions: [],
  };
  // each shell session: an asciicast for the player and a replay script, through views/replay.ts
  const shellProcs = [...new Set([...facts.shells.keys(), ...timeline.shells()])];
  const shells = [...new Set(shellProcs.map((p) => p.pid))].slice(0, 200);
  if (shells.length) {
    const outs: string[][] = [];
    const vs: View[] = [];
    for (const pid of shells) for (const format of ['asciicast', 'bash'] as const) { vs.push(replayView(pid, { speed: 1, format })); outs.push([]); }
    await run(together(vs, outs), { file, filters: {}, warn: () => {} });
    shells.forEach((pid, i) => {
      const p = shellProcs.find((x) => x.pid === pid)!;
      const typed = facts.shells.get(p)?.count ?? 0;
      const cast = outs[2 * i]!.join('');
      if (!cast.trim()) return;
      const head = JSON.parse(cast.slice(0, cast.indexOf('\n'))) as { width?: number; height?: number };
      d.sessions.push({ pid, name: `session-${pid}`, title: `${esc(p.comm)} pid ${pid}, user ${esc(ctx.users.get(p.uid) ?? String(p.uid))}, ${typed} command${typed === 1 ? '' : 's'} typed`,
        cast, pageCast: cast.length > PAGE_CAST ? cast.slice(0, cast.lastIndexOf('\n', PAGE_CAST) + 1) : cast, cut: cast.length > PAGE_CAST,
        script: outs[2 * i + 1]!.join(''), cols: head.width ?? 80, rows: head.height ?? 24 });
    });
  }
  return d;
}
