// `secanalyze timeline FILE`: the whole host in one time-ordered list: sessions (shells on a tty,
// sshd-spawned or not), commands typed, the processes each started and their output, denials,
// files written then executed, module loads, credential changes, and markers where the capture lost events.
import type { CaptureRecord } from '../../format/index.js';
import type { View, ViewContext } from '../pipeline.js';
import type { Proc } from '../state/processes.js';
import { esc } from '../text.js';
import { errnoName, syscallName } from '../syscalls.js';
import { execArgs } from './execs.js';
import { KIND_OF_BODY, KINDS, type KindItem } from '../kinds/index.js';
import { ttyName } from './common.js';
import { pathKey, showPath } from '../triage/facts.js';
import { NearestAncestor, walkUp } from '../state/ancestry.js';
import { rowsFor, type ViewColumn, type ViewTable } from '../schema/views.js';
import { WHEN } from '../schema/tables.js';

export type ItemKind = 'session' | 'command' | 'exec' | 'output' | 'denied' | 'written' | 'written-exec' | KindItem | 'lost';
/** Every item kind, in the order the docs list them; the kinds of analyzer/kinds/ add theirs before `lost`. */
const ITEM_KINDS: readonly ItemKind[] = ['session', 'command', 'exec', 'output', 'denied', 'written', 'written-exec', ...KINDS.flatMap((k) => k.timeline ? [k.timeline.item as KindItem] : []), 'lost'];
export interface Item { ts: number; kind: ItemKind; session: number | null; pid: number; uid: number; comm: string; text: string }
export interface HostTimelineOptions { pid?: number; uid?: number; session?: number; since?: string; until?: string; maxArgs?: number }

const SHELLS = new Set(['bash', 'sh', 'dash', 'zsh', 'ksh', 'mksh', 'fish', 'ash', 'busybox', 'tcsh', 'csh']);
const ITEM_LIMIT = 200_000;
const O_WRITE = 0o1 | 0o2 | 0o100 | 0o1000;

export class HostTimeline {
  readonly items: Item[] = [];
  cut = false;
  private readonly sessions = new Map<Proc, { tty: string; via: string; pending: Buffer[]; pendingTs: number; prompt: string | null }>();
  /** Nearest session shell above a process: memoized; reset when a session opens. */
  private readonly shellAbove = new NearestAncestor<Proc>((q) => this.sessions.has(q), 4096);
  private readonly writes = new Map<string, { ts: number; pid: number; comm: string }>();
  private lastOut: Item | null = null;
  private lastDenied: Item | null = null;
  private lastDeniedKey = '';
  private lastDeniedN = 0;

  constructor(private readonly o: HostTimelineOptions = {}) {}

  private add(it: Item): Item {
    if (this.items.length < ITEM_LIMIT) this.items.push(it); else this.cut = true;
    return it;
  }

  /** The shells that opened a session. */
  shells(): Proc[] { return [...this.sessions.keys()]; }

  /** The session a process belongs to: the nearest session shell above it (or itself). */
  sessionOf(p: Proc): Proc | null { return this.shellAbove.of(p); }

  private open(p: Proc, ts: number, tty: string, ctx: ViewContext): void {
    if (this.sessions.has(p)) return;
    const sshd = walkUp(p.parent, (q) => esc(q.comm).startsWith('sshd'), 64);
    const via = sshd ? ` via sshd pid ${sshd.pid}` : '';
    this.sessions.set(p, { tty, via, pending: [], pendingTs: 0, prompt: null });
    this.shellAbove.reset();
    const user = ctx.users.get(p.uid) ?? String(p.uid);
    this.add({ ts, kind: 'session', session: p.pid, pid: p.pid, uid: p.uid, comm: esc(p.comm),
      text: `session: ${esc(p.comm)} pid ${p.pid} on ${tty}, user ${esc(user)}${via}${p.start !== null && p.start < 0 ? ' (running at the start)' : ''}` });
  }

  observe(r: CaptureRecord, ctx: ViewContext): void {
    const base = (p: Proc | null, kind: ItemKind, text: string): Item =>
      ({ ts: r.ts, kind, session: p ? (this.sessionOf(p)?.pid ?? null) : null, pid: r.pid, uid: r.uid, comm: esc(r.comm), text });
    if (r.body === 'lost') { this.add(base(null, 'lost', `!! ${r.lost!.count} ${esc(r.lost!.probe)} events lost around here: the list has a gap`)); return; }
    if (r.body === 'fork' || r.body === 'exit' || r.body === 'header' || r.body === 'trailer' || r.body === 'process' || !r.body) return;
    const p = ctx.tree.get(r.pid);
    if (!p) return;
    switch (r.body) {
      case 'readline': {
        this.open(p, r.ts, p.tty ? ttyName(p.tty) : '?', ctx);
        this.shellOutput(p, r.readline!.line ?? new Uint8Array());
        this.add(base(p, 'command', `$ ${esc(r.readline!.line)}`));
        this.lastOut = null;
        return;
      }
      case 'exec': {
        const e = r.exec!;
        const path = pathKey(e.filename);
        const w = this.writes.get(path);
        const args = execArgs(e.filename ?? new Uint8Array(), e.argv ?? [], this.o.maxArgs ?? 20, false, !!e.argsTruncated);
        if (w && w.ts <= r.ts) {
          this.add(base(p, 'written-exec', `!! ${e.ret ? 'tried to run' : 'ran'} ${showPath(path)}, written at +${(w.ts / 1e9).toFixed(3)} s by ${w.comm} pid ${w.pid}`));
          this.writes.delete(path);
        }
        if (this.sessionOf(p)) this.add(base(p, 'exec', `${e.ret ? '✗ exec' : 'exec'} ${args} (pid ${r.pid}${e.ret ? `, ret ${e.ret}` : ''})`));
        this.lastOut = null;
        return;
      }
      case 'open': {
        const o = r.open!;
        if ((o.ret ?? -1) >= 0 && (o.flags ?? 0) & O_WRITE) {
          const path = pathKey(o.path, o.dir);
          if (!this.writes.has(path) && this.writes.size < 100_000) this.writes.set(path, { ts: r.ts, pid: r.pid, comm: esc(r.comm) });
        }
        return;
      }
      case 'ttyWrite': {
        const w = r.ttyWrite!;
        if (w.isTty && !this.sessionOf(p) && SHELLS.has(esc(p.comm))) this.open(p, r.ts, ttyName(w.rdev ?? 0), ctx);
        const s = this.sessionOf(p);
        if (!s) return;
        if (p === s) {
          // the shell's own writes mix prompt, echo and builtin output: kept until its next command line
          const st = this.sessions.get(s)!;
          if (!st.pending.length) st.pendingTs = r.ts;
          if (st.pending.reduce((a, x) => a + x.length, 0) < 65536) st.pending.push(Buffer.from(w.data ?? []));
          return;
        }
        if (this.lastOut && this.lastOut.pid === r.pid && r.ts - this.lastOut.ts < 1e9 && this.lastOut.text.length < 4096) {
          this.lastOut.text += esc(w.data);
        } else {
          this.lastOut = this.add(base(p, 'output', `output (${esc(r.comm)} pid ${r.pid}): ${esc(w.data)}`));
        }
        return;
      }
      case 'syscallError': {
        const e = r.syscallError!;
        const name = syscallName(ctx.arch, e.nr ?? 0, e.abi === 1);
        const key = `${r.pid}/${name}/${e.errno}`;
        if (this.lastDenied && this.lastDeniedKey === key && r.ts - this.lastDenied.ts < 1e9) {
          this.lastDenied.text = this.lastDenied.text.replace(/×\d+/, `×${++this.lastDeniedN}`);
          return;
        }
        this.lastDeniedKey = key;
        this.lastDeniedN = 1;
        this.lastDenied = this.add(base(p, 'denied', `✗ ${errnoName(e.errno ?? 0)} ${name} ×1 (${esc(r.comm)} pid ${r.pid}, uid ${r.uid})`));
        return;
      }
      case 'malformed': return;
      default: { // a kind of analyzer/kinds/ (a body kind neither here nor there does not compile)
        const k = KIND_OF_BODY[r.body];
        if (k.timeline) this.add(base(p, k.timeline.item as KindItem, k.timeline.text(r[k.body]!, r)));
        return;
      }
    }
  }

  /** The shell's own output before `line`: its writes less the prompt and the echo of the line. */
  private shellOutput(p: Proc, line: Uint8Array | null): void {
    const st = this.sessions.get(p);
    if (!st || !st.pending.length) return;
    let text = Buffer.concat(st.pending).toString('latin1');
    st.pending = [];
    if (line !== null) {
      const echo = Buffer.from(line).toString('latin1');
      text = text.replace(/\r?\n$/, '');
      if (text.endsWith(echo)) text = text.slice(0, text.length - echo.length);
      if (st.prompt === null) { st.prompt = text.slice(text.lastIndexOf('\n') + 1); text = text.slice(0, text.length - st.prompt.length); }
      else if (st.prompt && text.endsWith(st.prompt)) text = text.slice(0, text.length - st.prompt.length);
    }
    text = text.replace(/\x1b\[\?2004[hl]\r?/g, ''); // bracketed-paste switches around each command line
    if (!text.replace(/[\r\n]/g, '').length) return;
    this.add({ ts: st.pendingTs, kind: 'output', session: p.pid, pid: p.pid, uid: p.uid, comm: esc(p.comm), text: `output (${esc(p.comm)} pid ${p.pid}): ${esc(Buffer.from(text, 'latin1'))}` });
  }

  /** Flushes what shells wrote after their last command line. */
  finish(): void { for (const p of this.sessions.keys()) this.shellOutput(p, null); }

  /** The items that pass the filters, in time order. */
  result(ctx: ViewContext): Item[] {
    const o = this.o;
    const since = o.since === undefined ? undefined : ctx.clock.parse(o.since, 'since').ns;
    const until = o.until === undefined ? undefined : ctx.clock.parse(o.until, 'until').ns;
    let pids: Set<number> | null = null;
    if (o.pid !== undefined) {
      pids = new Set();
      for (const p of ctx.tree.byPid(o.pid)) for (const q of ctx.tree.descendants(p)) pids.add(q.pid);
    }
    return this.items.filter((it) =>
      (it.kind === 'lost' || ((pids === null || pids.has(it.pid)) && (o.uid === undefined || it.uid === o.uid) && (o.session === undefined || it.session === o.session))) &&
      (since === undefined || it.ts >= since) && (until === undefined || it.ts <= until),
    ).sort((a, b) => a.ts - b.ts);
  }
}

/** timeline's rows (--json, --csv). */
const ITEM_COLUMNS: ViewColumn[] = [
  ...WHEN,
  { name: 'kind', type: 'str', doc: `${ITEM_KINDS.slice(0, -1).join(', ')} or ${ITEM_KINDS.at(-1)}` },
  { name: 'session', type: 'u32', doc: 'pid of the session\'s shell; null outside a session' },
  { name: 'pid', type: 'u32', doc: 'process id' },
  { name: 'uid', type: 'u32', doc: 'user id' },
  { name: 'text', type: 'str', doc: 'the item as the text output shows it (captured bytes escaped)' },
];

const ms = (ctx: ViewContext, ts: number): string => String(Math.floor(((ctx.clock.wallMs(ts) % 1000) + 1000) % 1000)).padStart(3, '0');

const ITEMS: ViewTable<Item> = {
  view: 'timeline',
  schema: null,
  extra: ITEM_COLUMNS,
  row(it, ctx) {
    const clock = rowsFor(ctx).clock;
    const ns = clock.epochNs(it.ts);
    return { ts_ns: ns, time: clock.text(ns), offset_ns: it.ts, kind: it.kind, session: it.session, pid: it.pid, uid: it.uid, text: it.text };
  },
  text(it, ctx) {
    const indent = it.kind === 'exec' ? '  ' : it.kind === 'output' ? '    ' : '';
    return `${ctx.clock.hms(it.ts)}.${ms(ctx, it.ts)}  ${it.session !== null ? `[${it.session}] ` : ''}${indent}${it.text}`;
  },
};

export function hostTimelineView(t: HostTimeline, print = true): View {
  return {
    tables: [ITEMS],
    probes: ['readline', 'exec', 'tty', 'syscall_error', 'proc', 'open', ...KINDS.flatMap((k) => k.timeline ? [k.probe] : [])],
    filtered: false,
    record(r, ctx) { t.observe(r, ctx); },
    end(ctx) {
      t.finish();
      if (!print) return;
      const items = t.result(ctx);
      for (const it of items) ctx.out.row(ITEMS, it, ctx);
      if (t.cut) ctx.warn(`the timeline kept only the first ${ITEM_LIMIT} items`);
      if (!items.length) ctx.warn('nothing in the timeline for these filters');
    },
  };
}
