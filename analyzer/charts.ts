// Charts: each chart's data comes from the view it pictures (the view runs in JSON mode into a
// collector), shaped with arquero, specified in Vega-Lite, rendered to SVG by vega in Node or to
// a self-contained HTML page with vega, vega-lite and vega-embed inlined (works offline).
// Time axes show the recorded host's clock: host-local times on a UTC scale.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { CaptureRecord } from '../format/index.js';
import type { View, ViewContext } from './pipeline.js';
import type { Proc } from './state/processes.js';
import { esc } from './text.js';
import { Renderer } from './render.js';
import { UsageError } from './errors.js';
import { execsView } from './views/execs.js';
import { epermView } from './views/eperm.js';
import { timelineView } from './views/timeline.js';

export const CHART_KINDS = ['events', 'eperm', 'execs', 'top', 'sessions'] as const;
export type ChartKind = (typeof CHART_KINDS)[number];
export const CHART_FORMATS = ['.svg', '.html', '.vl.json', '.json'] as const;

export interface ChartOptions { kind: ChartKind; output: string; top: number; fails?: boolean }

type Row = { [k: string]: string | number };
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** Bin widths in seconds, the first that gives at most MAX_BINS bars over the capture is used. */
const BINS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
const MAX_BINS = 60;
const TICK_NS = 1e8;
/** Axis tick steps on the host's clock, the first giving at most 8 ticks over the capture. */
const TICKS = [100, 200, 500, 1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5, 72e5, 108e5, 216e5, 432e5, 864e5]; // counts are kept per 100 ms while streaming, re-binned at the end

/** The output format of -o, or a usage error (never a silent default). */
export function chartFormat(out: string): (typeof CHART_FORMATS)[number] {
  const f = CHART_FORMATS.find((x) => out.toLowerCase().endsWith(x));
  if (!f) throw new UsageError(`-o ${out}: unknown chart format; give a file ending in ${CHART_FORMATS.join(', ')}`);
  return f;
}

function unit(sec: number): string { return sec < 1 ? `${Math.round(sec * 1000)} ms` : sec < 60 ? `${sec} s` : sec < 3600 ? `${sec / 60} min` : `${sec / 3600} h`; }

/** Runs `inner` in JSON mode and hands each of its rows to `take`. */
function collect(inner: View, take: (row: Row) => void): Pick<View, 'record' | 'end' | 'tree' | 'filtered'> & { sub(ctx: ViewContext): ViewContext } {
  let sub: ViewContext | null = null;
  const out = new Renderer('json', { write: (s) => { for (const l of String(s).split('\n')) if (l) take(JSON.parse(l) as Row); } });
  return {
    ...(inner.tree !== undefined ? { tree: inner.tree } : {}),
    ...(inner.filtered !== undefined ? { filtered: inner.filtered } : {}),
    sub(ctx) { return (sub ??= { ...ctx, out }); },
    record(r, ctx) { inner.record?.(r, this.sub(ctx)); },
    async end(ctx) { await inner.end(this.sub(ctx)); out.flush(); },
  };
}

export function chartView(o: ChartOptions, done: (spec: TopLevelSpec, ctx: ViewContext) => Promise<void>): View {
  const ticks = new Map<string, number>(); // "tick\0series" → count
  const add = (ts: number, series: string) => { const k = `${Math.floor(Math.max(0, ts) / TICK_NS)}\0${series}`; ticks.set(k, (ticks.get(k) ?? 0) + 1); };
  const rows: Row[] = [];
  const perProc = new Map<Proc, number>();
  const lastProc = new Map<number, Proc>();
  let lastTs = 0;
  let inner: ReturnType<typeof collect> | null = null;
  if (o.kind === 'execs') inner = collect(execsView({ fails: !!o.fails, maxArgs: 1 }), (r) => add(Number(r['offset_ns']), 'exec'));
  if (o.kind === 'eperm') inner = collect(epermView('syscall'), (r) => rows.push({ syscall: r['syscall']!, errno: r['errno_name']!, count: r['count']! }));
  if (o.kind === 'sessions') inner = collect(timelineView(1), (r) => { if (rows.length < 50_000) rows.push(r); });
  return {
    probes: o.kind === 'eperm' ? ['syscall_error'] : o.kind === 'execs' ? ['exec'] : o.kind === 'sessions' ? ['readline', 'exec', 'tty', 'syscall_error', 'proc'] : [],
    ...(inner?.tree !== undefined ? { tree: inner.tree } : o.kind === 'events' ? { tree: false } : {}),
    ...(inner?.filtered !== undefined ? { filtered: inner.filtered } : {}),
    record(r: CaptureRecord, ctx: ViewContext) {
      if (r.ts > lastTs) lastTs = r.ts;
      if (inner) { inner.record!(r, ctx); return; }
      const kind = r.body;
      if (!kind || kind === 'header' || kind === 'trailer' || kind === 'process' || kind === 'malformed') return;
      if (o.kind === 'events') add(r.ts, kind);
      else if (kind !== 'lost') {
        // One bar per process, whatever its comm. Records of the bulk lane can come after the
        // exit (the tree then infers a new process): they stay with the process that last held
        // the pid until a fork hands the pid to a new one.
        if (kind === 'fork' && !r.fork!.thread) { const c = ctx.tree.get(r.fork!.childPid ?? 0); if (c) lastProc.set(c.pid, c); }
        const p = lastProc.get(r.pid) ?? ctx.tree.get(r.pid);
        if (!p) return;
        lastProc.set(r.pid, p);
        perProc.set(p, (perProc.get(p) ?? 0) + 1);
      }
    },
    async end(ctx: ViewContext) {
      if (inner) await inner.end!(ctx);
      const host = esc(ctx.header.hostname ?? '') || 'unknown host';
      const where = `${host}, ${ctx.clock.date(0)}, times in ${ctx.clock.zone}`;
      const hostMs = (ns: number) => ctx.clock.wallMs(ns) + ctx.clock.offsetMin(ns) * 60000;
      const spanSec = Math.max(lastTs, 1) / 1e9;
      const bin = BINS.find((b) => spanSec / b <= MAX_BINS) ?? 86400;
      const timeFormat = bin < 1 ? '%H:%M:%S.%L' : '%H:%M:%S';
      // ticks at round host times, at most 5 (labels of 12 characters) over the data's own span
      const timeAxis = (title: string, times: number[], padding = 0) => {
        const lo = times.length ? times.reduce((m, t) => Math.min(m, t)) : hostMs(0);
        const hi = times.length ? times.reduce((m, t) => Math.max(m, t)) : hostMs(lastTs);
        const ms = TICKS.find((m) => (hi - lo) / m <= 5) ?? TICKS[TICKS.length - 1]!;
        const values: number[] = [];
        for (let t = Math.ceil(lo / ms) * ms; t <= hi && values.length < 12; t += ms) values.push(t);
        const format = ms < 1000 ? '%H:%M:%S.%L' : ms < 86400_000 ? '%H:%M:%S' : '%b %d %H:%M';
        // as DateTime objects: vega-lite turns plain numbers into datetime(year…) calls
        const dt = (t: number) => { const d = new Date(t); return { utc: true, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, date: d.getUTCDate(), hours: d.getUTCHours(), minutes: d.getUTCMinutes(), seconds: d.getUTCSeconds(), milliseconds: d.getUTCMilliseconds() }; };
        return { type: 'temporal', scale: { type: 'utc', ...(padding ? { padding } : {}) }, title, axis: { format, values: values.map(dt), labelOverlap: true } };
      };
      const countAxis = (title: string) => ({ type: 'quantitative', title, axis: { format: 'd', tickMinStep: 1 } });
      let spec: TopLevelSpec;
      if (o.kind === 'events' || o.kind === 'execs') {
        const per = Math.round(bin * 1e9 / TICK_NS);
        const binned = new Map<string, Row>();
        for (const [k, n] of ticks) {
          const [tick, series] = k.split('\0') as [string, string];
          const b = Math.floor(Number(tick) / per) * per * TICK_NS;
          const key = `${b}\0${series}`;
          const row = binned.get(key) ?? { start: hostMs(b), end: hostMs(b + bin * 1e9), kind: series, count: 0 };
          row['count'] = (row['count'] as number) + n;
          binned.set(key, row);
        }
        const what = o.kind === 'execs' ? `${o.fails ? 'Execs, failed ones included' : 'Successful execs'} (the rows of secanalyze execs${o.fails ? ' -x' : ''})` : 'Records by kind';
        spec = {
          $schema: SCHEMA, title: { text: `${what} per ${unit(bin)}`, subtitle: where },
          width: 720, height: 280, data: { values: [...binned.values()] }, mark: { type: 'bar', ...(o.kind === 'execs' ? { color: '#4c78a8' } : {}) },
          encoding: {
            x: { field: 'start', ...timeAxis(`time on ${host} (${unit(bin)} bins)`, [...binned.values()].flatMap((r) => [r['start'] as number, r['end'] as number])) }, x2: { field: 'end' },
            y: { field: 'count', aggregate: 'sum', stack: 'zero', ...countAxis(o.kind === 'execs' ? `execs per ${unit(bin)}` : `records per ${unit(bin)}`) },
            ...(o.kind === 'events' ? { color: { field: 'kind', type: 'nominal', title: 'record kind' } } : {}),
            tooltip: [{ field: 'start', type: 'temporal', timeUnit: 'utcyearmonthdatehoursminutessecondsmilliseconds', format: timeFormat, title: 'from' }, { field: 'kind' }, { field: 'count', aggregate: 'sum', title: 'count' }],
          },
        } as TopLevelSpec;
      } else if (o.kind === 'eperm') {
        spec = {
          $schema: SCHEMA, title: { text: 'Syscalls denied with EPERM or EACCES, by syscall (secanalyze eperm --by syscall)', subtitle: where },
          width: 600, height: { step: 22 }, data: { values: rows }, mark: 'bar',
          encoding: {
            y: { field: 'syscall', type: 'nominal', sort: '-x', title: 'syscall' },
            x: { field: 'count', aggregate: 'sum', ...countAxis('denials') },
            color: { field: 'errno', type: 'nominal', scale: { domain: ['EACCES', 'EPERM'] }, title: 'error' },
            tooltip: [{ field: 'syscall' }, { field: 'errno' }, { field: 'count', aggregate: 'sum', title: 'count' }],
          },
        } as TopLevelSpec;
      } else if (o.kind === 'top') {
        const aq = await import('arquero'); // loaded only for charts: the other commands start faster
        const holders = new Map<number, number>();
        for (const q of perProc.keys()) holders.set(q.pid, (holders.get(q.pid) ?? 0) + 1);
        const t = aq.from([...perProc].map(([p, n]) => ({ process: `${esc(p.comm)} (pid ${p.pid}${(holders.get(p.pid) ?? 0) > 1 ? `, +${((p.start ?? 0) / 1e9).toFixed(3)}s` : ''})`, records: n })))
          .orderby(aq.desc('records')).slice(0, o.top);
        spec = {
          $schema: SCHEMA, title: { text: `Top ${o.top} processes by records captured (each process once, named by its last command)`, subtitle: where },
          width: 600, height: { step: 22 }, data: { values: t.objects() }, mark: 'bar',
          encoding: { y: { field: 'process', type: 'nominal', sort: '-x', title: 'process' }, x: { field: 'records', ...countAxis('records') },
            tooltip: [{ field: 'process' }, { field: 'records' }] },
        } as TopLevelSpec;
      } else {
        const lanes = rows.map((r) => ({ t: hostMs(Number(r['offset_ns'])), lane: `shell ${r['session']} · ${r['kind']}`, kind: r['kind']!, pid: r['pid']!, what: String(r['text']).slice(0, 200) }));
        spec = {
          $schema: SCHEMA, title: { text: 'Shell sessions: commands typed, processes started, output, denials (secanalyze sessions)', subtitle: where },
          width: 720, height: { step: 28 }, data: { values: lanes },
          mark: { type: 'point', filled: true, size: 90, opacity: 0.85 },
          encoding: {
            x: { field: 't', ...timeAxis(`time on ${host}`, lanes.map((l) => l.t), 14) },
            y: { field: 'lane', type: 'nominal', title: null, sort: null },
            color: { field: 'kind', type: 'nominal', title: 'mark' }, shape: { field: 'kind', type: 'nominal', title: 'mark' },
            tooltip: [{ field: 't', type: 'temporal', timeUnit: 'utcyearmonthdatehoursminutessecondsmilliseconds', format: '%H:%M:%S.%L', title: 'time' }, { field: 'kind' }, { field: 'pid' }, { field: 'what' }],
          },
        } as TopLevelSpec;
      }
      await done(spec, ctx);
    },
  };
}

/** Vega-Lite → SVG, headless. */
export async function toSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** A browser bundle shipped in a package's build/ folder (not in its "exports", so found by path). */
function bundle(pkg: string, file: string): string {
  const require = createRequire(import.meta.url);
  for (let dir = dirname(require.resolve(pkg)); dir !== dirname(dir); dir = dirname(dir)) {
    const p = join(dir, 'build', file);
    if (existsSync(join(dir, 'package.json')) && existsSync(p)) return readFileSync(p, 'utf8').replace(/<\/script/gi, '<\\/script');
  }
  throw new Error(`cannot find ${pkg}/build/${file}: reinstall the analyzer's dependencies`);
}

/** A self-contained page: the spec and the vega bundles inline, no network fetch. */
export function toHtml(spec: TopLevelSpec, title: string): string {
  const json = JSON.stringify(spec).replace(/</g, '\\u003c');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${title.replace(/[<&>"]/g, (c) => `&#${c.charCodeAt(0)};`)}</title>
<script>${bundle('vega', 'vega.min.js')}</script>
<script>${bundle('vega-lite', 'vega-lite.min.js')}</script>
<script>${bundle('vega-embed', 'vega-embed.min.js')}</script>
</head><body><div id="chart"></div>
<script>vegaEmbed('#chart', ${json}, { renderer: 'svg', actions: { export: true, source: false, compiled: false, editor: false } }).catch((e) => { document.body.textContent = 'chart error: ' + e; console.error(e); });</script>
</body></html>
`;
}
