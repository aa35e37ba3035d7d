// Charts: data aggregated while streaming (memory bounded by time buckets, not events), shaped
// with arquero, specified in Vega-Lite, rendered to SVG by vega in Node (no browser), or to a
// self-contained HTML page with vega, vega-lite and vega-embed inlined (works offline).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as aq from 'arquero';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { Record } from '../format/index.js';
import type { View, ViewContext } from './pipeline.js';
import { esc } from './text.js';
import { syscallName } from './syscalls.js';

export const CHART_KINDS = ['events', 'eperm', 'execs', 'top', 'sessions'] as const;
export type ChartKind = (typeof CHART_KINDS)[number];

export interface ChartOptions { kind: ChartKind; output: string; top: number }

type Row = { [k: string]: string | number };

/** Streams records into the small table a chart needs. */
export function chartView(o: ChartOptions, done: (spec: TopLevelSpec, ctx: ViewContext) => Promise<void>): View {
  const buckets = new Map<string, number>(); // "second\0kind" → count
  const eperm = new Map<string, number>();
  const perProc = new Map<string, number>();
  const session: Row[] = [];
  const shells = new Set<number>();
  return {
    probes: o.kind === 'eperm' ? ['eperm'] : o.kind === 'execs' ? ['exec'] : [],
    record(r: Record, ctx: ViewContext) {
      const kind = r.body;
      if (!kind || kind === 'header' || kind === 'trailer' || kind === 'process') return;
      const sec = Math.floor(r.ts / 1e9);
      if (o.kind === 'events' || (o.kind === 'execs' && kind === 'exec')) {
        const k = `${sec}\0${kind}`;
        buckets.set(k, (buckets.get(k) ?? 0) + 1);
      } else if (o.kind === 'eperm' && kind === 'syscallError') {
        const e = r.syscallError!;
        const k = `${syscallName(ctx.arch, e.nr ?? 0, e.abi === 1)}\0${e.errno === 1 ? 'EPERM' : 'EACCES'}`;
        eperm.set(k, (eperm.get(k) ?? 0) + 1);
      } else if (o.kind === 'top') {
        const k = `${r.pid}\0${esc(r.comm)}`;
        perProc.set(k, (perProc.get(k) ?? 0) + 1);
      } else if (o.kind === 'sessions') {
        if (kind === 'readline') shells.add(r.pid);
        const p = ctx.tree.procOf(r);
        let shell: number | null = null;
        for (let q: typeof p | null = p; q; q = q.parent) if (shells.has(q.pid)) { shell = q.pid; break; }
        if (shell !== null && (kind === 'readline' || kind === 'exec' || kind === 'ttyWrite' || kind === 'syscallError') && session.length < 50_000) {
          session.push({ t: r.ts / 1e9, session: `shell ${shell}`, kind, pid: r.pid, what: kind === 'readline' ? esc(r.readline!.line) : kind === 'exec' ? esc(r.exec!.filename) : esc(r.comm) });
        }
      }
    },
    async end(ctx: ViewContext) {
      const title = `${ctx.header.hostname ?? ''} ${ctx.clock.iso(0)}`;
      let spec: TopLevelSpec;
      if (o.kind === 'events' || o.kind === 'execs') {
        const rows: Row[] = [...buckets].map(([k, n]) => { const [s, kind] = k.split('\0'); return { second: Number(s), kind: kind!, n }; });
        const maxSec = rows.reduce((m, r) => Math.max(m, r['second'] as number), 0);
        const bin = Math.max(1, Math.ceil((maxSec + 1) / 300)); // at most ~300 bars
        const t = aq.from(rows.length ? rows : [{ second: 0, kind: 'none', n: 0 }])
          .derive({ t: aq.escape((d: Row) => Math.floor((d['second'] as number) / bin) * bin) })
          .groupby('t', 'kind').rollup({ count: aq.op.sum('n') }).orderby('t');
        spec = {
          $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: `${o.kind === 'execs' ? 'Execs' : 'Events'} over time — ${title}`,
          width: 720, height: 280, data: { values: t.objects() },
          mark: o.kind === 'execs' ? { type: 'line', point: true } : 'bar',
          encoding: {
            x: { field: 't', type: 'quantitative', title: `seconds since start (${bin}s bins)` },
            y: { field: 'count', type: 'quantitative', stack: o.kind === 'events' ? 'zero' : null, title: o.kind === 'execs' ? `execs per ${bin}s` : 'events' },
            ...(o.kind === 'events' ? { color: { field: 'kind', type: 'nominal' } } : {}),
          },
        } as TopLevelSpec;
      } else if (o.kind === 'eperm') {
        const t = aq.from([...eperm].map(([k, n]) => { const [syscall, errno] = k.split('\0'); return { syscall: syscall!, errno: errno!, count: n }; }));
        spec = {
          $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: `EPERM/EACCES by syscall — ${title}`,
          width: 600, height: { step: 18 }, data: { values: t.numRows() ? t.objects() : [] }, mark: 'bar',
          encoding: {
            y: { field: 'syscall', type: 'nominal', sort: '-x' },
            x: { field: 'count', type: 'quantitative', aggregate: 'sum' },
            color: { field: 'errno', type: 'nominal', scale: { domain: ['EACCES', 'EPERM'] } },
          },
        } as TopLevelSpec;
      } else if (o.kind === 'top') {
        const t = aq.from([...perProc].map(([k, n]) => { const [pid, comm] = k.split('\0'); return { process: `${comm} (${pid})`, events: n }; }))
          .orderby(aq.desc('events')).slice(0, o.top);
        spec = {
          $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: `Top ${o.top} processes by events — ${title}`,
          width: 600, height: { step: 18 }, data: { values: t.objects() }, mark: 'bar',
          encoding: { y: { field: 'process', type: 'nominal', sort: '-x' }, x: { field: 'events', type: 'quantitative' } },
        } as TopLevelSpec;
      } else {
        spec = {
          $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: `Session timeline — ${title}`,
          width: 720, height: { step: 40 }, data: { values: session }, mark: { type: 'tick', thickness: 2 },
          encoding: {
            x: { field: 't', type: 'quantitative', title: 'seconds since start' },
            y: { field: 'session', type: 'nominal' },
            color: { field: 'kind', type: 'nominal' },
            tooltip: [{ field: 'kind' }, { field: 'pid' }, { field: 'what' }, { field: 't' }],
          },
        } as TopLevelSpec;
      }
      await done(spec, ctx);
    },
  };
}

/** Vega-Lite → SVG, headless. */
export async function toSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** A self-contained page: the spec and the vega bundles inline, no network fetch. */
export function toHtml(spec: TopLevelSpec, title: string): string {
  const require = createRequire(import.meta.url);
  const bundle = (pkg: string, file: string) => readFileSync(require.resolve(`${pkg}/build/${file}`), 'utf8').replace(/<\/script/gi, '<\\/script');
  const json = JSON.stringify(spec).replace(/</g, '\\u003c');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${title.replace(/[<&>"]/g, (c) => `&#${c.charCodeAt(0)};`)}</title>
<script>${bundle('vega', 'vega.min.js')}</script>
<script>${bundle('vega-lite', 'vega-lite.min.js')}</script>
<script>${bundle('vega-embed', 'vega-embed.min.js')}</script>
</head><body><div id="chart"></div>
<script>vegaEmbed('#chart', ${json}, { actions: { export: true, source: false, compiled: false, editor: false } });</script>
</body></html>
`;
}
