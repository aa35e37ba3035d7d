// --timeline: one correlated list per shell session: command typed → processes it started →
// their output → EPERM/EACCES bursts, with markers where the capture lost events. Output is
// linear in the input: the loss records between two items of a session make one marker.
import type { CaptureRecord } from '../../format/index.js';
import { userName, type View, type ViewContext } from '../pipeline.js';
import type { Proc } from '../state/processes.js';
import { esc } from '../text.js';
import { errnoName, syscallName } from '../syscalls.js';
import { execArgs } from './execs.js';
import { ttyName } from './common.js';
import { NearestAncestor } from '../state/ancestry.js';
import { rowsFor, type ViewTable } from '../schema/views.js';
import { WHEN } from '../schema/tables.js';

interface Item { ts: number; kind: string; pid: number; text: string }
interface Loss { ts: number; probe: string; count: number }
interface Session { shell: Proc; tty: string; items: Item[]; lastErr: Item | null; lastErrKey: string; lastOut: Item | null }

export function timelineView(maxArgs = 20): View {
  const sessions = new Map<Proc, Session>();
  const lost: Loss[] = [];
  const shellAbove = new NearestAncestor<Proc>((q) => sessions.has(q)); // reset when a session opens
  const sessionOf = (p: Proc): Session | undefined => { const s = shellAbove.of(p); return s ? sessions.get(s) : undefined; };
  return {
    tables: [SESSION_ITEMS],
    probes: ['readline', 'exec', 'tty', 'syscall_error', 'proc'],
    record(r: CaptureRecord, ctx: ViewContext) {
      if (r.body === 'lost') { lost.push({ ts: r.ts, probe: esc(r.lost!.probe), count: Number(r.lost!.count ?? 0) }); return; }
      const p = ctx.tree.procOf(r);
      if (r.body === 'readline') {
        let s = sessions.get(p);
        if (!s) { s = { shell: p, tty: p.tty ? ttyName(p.tty) : '?', items: [], lastErr: null, lastErrKey: '', lastOut: null }; sessions.set(p, s); shellAbove.reset(); }
        s.items.push({ ts: r.ts, kind: 'command', pid: r.pid, text: `$ ${esc(r.readline!.line)}` });
        s.lastOut = null;
        return;
      }
      const s = sessionOf(p);
      if (!s) return;
      if (r.body === 'exec') {
        const e = r.exec!;
        const args = execArgs(e.filename ?? new Uint8Array(), e.argv ?? [], maxArgs, false, !!e.argsTruncated, e.interp);
        s.items.push({ ts: r.ts, kind: 'exec', pid: r.pid, text: `  ${e.ret ? '✗ exec' : 'exec'} ${args} (pid ${r.pid}${e.ret ? `, ret ${e.ret}` : ''})` });
        s.lastOut = null;
      } else if (r.body === 'ttyWrite') {
        const w = r.ttyWrite!;
        if (s.tty === '?' && w.isTty) s.tty = ttyName(w.rdev ?? 0);
        if (p === s.shell) return; // the prompt and echo of the shell itself
        if (s.lastOut && s.lastOut.pid === r.pid && r.ts - s.lastOut.ts < 1e9) {
          s.lastOut.text += esc(w.data);
        } else {
          s.lastOut = { ts: r.ts, kind: 'output', pid: r.pid, text: `    output (pid ${r.pid}): ${esc(w.data)}` };
          s.items.push(s.lastOut);
        }
      } else if (r.body === 'syscallError') {
        const e = r.syscallError!;
        const name = syscallName(ctx.arch, e.nr ?? 0, e.abi === 1);
        const key = `${r.pid}/${name}/${e.errno}`;
        if (s.lastErr && s.lastErrKey === key && r.ts - s.lastErr.ts < 1e9) {
          const m = /×(\d+)/.exec(s.lastErr.text)!;
          s.lastErr.text = s.lastErr.text.replace(/×\d+/, `×${Number(m[1]) + 1}`);
        } else {
          s.lastErr = { ts: r.ts, kind: 'denied', pid: r.pid, text: `    ✗ ${errnoName(e.errno ?? 0)} ${name} ×1 (${esc(r.comm)} pid ${r.pid})` };
          s.lastErrKey = key;
          s.items.push(s.lastErr);
        }
      }
    },
    end(ctx: ViewContext) {
      if (!sessions.size) { ctx.warn('no bash session in this capture (no readline records)'); return; }
      const gaps = lossIndex(lost);
      for (const s of sessions.values()) {
        const items = withLossMarkers(s.items.sort((a, b) => a.ts - b.ts), gaps);
        const who = `${esc(s.shell.comm)} pid ${s.shell.pid}, user ${esc(userName(ctx.users, s.shell.uid))}`;
        ctx.out.textLine(`== session on ${s.tty}: ${who} ==`);
        for (const it of items) ctx.out.row(SESSION_ITEMS, { s, it }, ctx);
        ctx.out.textLine('');
      }
    },
  };
}

/** sessions' rows: one per item of a session, in the session's time order. */
const SESSION_ITEMS: ViewTable<{ s: Session; it: Item }> = {
  view: 'sessions',
  schema: null,
  extra: [
    { name: 'session', type: 'u32', doc: 'pid of the session\'s shell' },
    { name: 'tty', type: 'str', doc: 'the shell\'s terminal (pts/N, ttyN; ? when unknown)' },
    ...WHEN,
    { name: 'kind', type: 'str', doc: 'command, exec, output, denied or lost' },
    { name: 'pid', type: 'u32', doc: 'process id of the item (0 for lost)' },
    { name: 'text', type: 'str', doc: 'the item as the text output shows it (captured bytes escaped)' },
  ],
  row({ s, it }, ctx) {
    const clock = rowsFor(ctx).clock;
    const ns = clock.epochNs(it.ts);
    return { session: s.shell.pid, tty: s.tty, ts_ns: ns, time: clock.text(ns), offset_ns: it.ts, kind: it.kind, pid: it.pid, text: it.text.trim() };
  },
  text: ({ it }, ctx) => `${ctx.clock.hms(it.ts)}.${String(Math.floor((ctx.clock.wallMs(it.ts) % 1000))).padStart(3, '0')}  ${it.text}`,
};

interface LossIndex { ts: number[]; count: number[]; probes: string[]; nextProbe: number[] }

/** Losses sorted by time, with prefix sums so that any time range is summed in O(1). */
function lossIndex(lost: Loss[]): LossIndex {
  lost.sort((a, b) => a.ts - b.ts);
  const ix: LossIndex = { ts: lost.map((l) => l.ts), count: [0], probes: lost.map((l) => l.probe), nextProbe: new Array<number>(lost.length) };
  for (const l of lost) ix.count.push(ix.count.at(-1)! + l.count);
  for (let i = lost.length - 1; i >= 0; i--) ix.nextProbe[i] = i + 1 < lost.length && lost[i + 1]!.probe === lost[i]!.probe ? ix.nextProbe[i + 1]! : i + 1;
  return ix;
}

/** First index with ts >= t. */
function lowerBound(a: number[], t: number): number {
  let lo = 0; let hi = a.length;
  while (lo < hi) { const m = (lo + hi) >>> 1; if (a[m]! < t) lo = m + 1; else hi = m; }
  return lo;
}

/** The session's items with one marker per gap: the losses between two items (or after the last). */
function withLossMarkers(items: Item[], ix: LossIndex): Item[] {
  if (!items.length || !ix.ts.length) return items;
  const out: Item[] = [];
  const marker = (from: number, to: number): void => {
    if (to <= from) return;
    // up to 3 names from the first 8 runs of one probe: constant work per marker
    const names: string[] = [];
    let i = from;
    for (let runs = 0; i < to && names.length < 3 && runs < 8; i = ix.nextProbe[i]!, runs++) if (!names.includes(ix.probes[i]!)) names.push(ix.probes[i]!);
    const more = i < to ? ', …' : '';
    out.push({ ts: ix.ts[from]!, kind: 'lost', pid: 0, text: `!! ${ix.count[to]! - ix.count[from]!} events lost around here (${names.join(', ')}${more}; ${to - from} loss record${to - from === 1 ? '' : 's'})` });
  };
  let at = lowerBound(ix.ts, items[0]!.ts);
  for (let k = 0; k < items.length; k++) {
    const it = items[k]!;
    const end = k + 1 < items.length ? lowerBound(ix.ts, items[k + 1]!.ts) : ix.ts.length;
    out.push(it);
    marker(Math.max(at, lowerBound(ix.ts, it.ts)), end);
    at = Math.max(at, end);
  }
  return out;
}
