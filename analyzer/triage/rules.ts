// The triage rules: one table, each rule an id, a title, a severity, the probes it relies on (so a
// gap in them is named on its findings) and a test over the facts. Edit this table to add a rule.
import type { ViewContext } from '../pipeline.js';
import type { Proc } from '../state/processes.js';
import { esc } from '../text.js';
import { errnoName } from '../syscalls.js';
import { execArgs } from '../views/execs.js';
import { showPath, type ExecFact, type Facts } from './facts.js';

export type Severity = 'high' | 'medium' | 'low' | 'info';
export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low', 'info'];

/** One thing a rule found: when, which process, a one-line summary and its evidence lines. */
export interface Hit { ts: number | null; proc: Proc | null; summary: string; evidence: string[] }

export interface Rule {
  id: string;
  title: string;
  severity: Severity;
  probes: readonly string[];
  /** The view to drill into from a finding with a process (default: its subtree). */
  drill?: 'tree' | 'shell' | 'eperm' | 'info';
  test(f: Facts, ctx: ViewContext): Hit[];
}

const TEMP_DIRS = ['/tmp/', '/dev/shm/', '/var/tmp/', '/run/shm/', '/dev/mqueue/'];
const SENSITIVE = [/^\/etc\/(shadow|gshadow|sudoers)/, /^\/etc\/ssh\/ssh_host_.*_key$/, /^\/root\//, /^\/proc\/kcore$/, /^\/dev\/(mem|kmem|port)$/, /\/\.ssh\/(id_|authorized_keys)/];
const inTemp = (path: string): boolean => TEMP_DIRS.some((d) => path.startsWith(d));
const fileless = (path: string): boolean => /(^|\/)memfd:/.test(path) || path.endsWith(' (deleted)') || /^\/(proc\/self|dev)\/fd\//.test(path);
const cmd = (e: ExecFact): string => execArgs(e.filename, e.argv, 8, false, false);
const basename = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

/** A process as evidence names it: command, pid@start (host clock), user. */
export function who(p: Proc, ctx: ViewContext): string {
  const user = ctx.users.get(p.uid) ?? String(p.uid);
  return `${esc(p.comm)} pid ${procKey(p, ctx)} user ${esc(user)}`;
}
export function procKey(p: Proc, ctx: ViewContext): string {
  return p.start === null ? `${p.pid}@?` : `${p.pid}@${at(ctx, p.start)}`;
}
/** HH:MM:SS.mmm on the recorded host's clock. */
export const at = (ctx: ViewContext, ts: number): string => `${ctx.clock.hms(ts)}.${String(Math.floor(((ctx.clock.wallMs(ts) % 1000) + 1000) % 1000)).padStart(3, '0')}`;

/** Each process once: the first fact that matches. */
function firstPerProc<T extends { proc: Proc }>(xs: Iterable<T>, keep: (x: T) => boolean): T[] {
  const seen = new Set<Proc>();
  const out: T[] = [];
  for (const x of xs) if (!seen.has(x.proc) && keep(x)) { seen.add(x.proc); out.push(x); }
  return out;
}

/** Processes alive at the start whose executable matches: one hit per executable, the others listed. */
function atStart(ctx: ViewContext, match: (path: string) => boolean, say: (p: Proc) => string): Hit[] {
  const by = new Map<string, Proc[]>();
  for (const p of ctx.tree.all) {
    const exe = Buffer.from(p.execs[0]?.filename ?? []).toString('latin1');
    if (p.origin === 'snapshot' && match(exe)) by.set(exe, [...(by.get(exe) ?? []), p]);
  }
  return [...by.values()].map((ps) => ({ ts: null, proc: ps[0]!, summary: say(ps[0]!),
    evidence: ps.length > 1 ? [`${ps.length - 1} more processes run the same file: pids ${ps.slice(1, 21).map((p) => p.pid).join(' ')}${ps.length > 21 ? ' …' : ''}`] : [] }));
}

function denialsByProc(f: Facts): Map<Proc, Facts['denials']> {
  const m = new Map<Proc, Facts['denials']>();
  for (const d of f.denials) { const l = m.get(d.proc) ?? []; l.push(d); m.set(d.proc, l); }
  return m;
}

function denialLines(ds: Facts['denials'], ctx: ViewContext): string[] {
  const counts = new Map<string, number>();
  for (const d of ds) { const k = `${errnoName(d.errno)} ${d.what}${d.path !== null ? ` ${showPath(d.path)}` : ''}`; counts.set(k, (counts.get(k) ?? 0) + 1); }
  const lines = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([k, n]) => `${k} ×${n}`);
  if (counts.size > 10) lines.push(`… and ${counts.size - 10} more kinds`);
  return [`first at ${at(ctx, ds[0]!.ts)}, last at ${at(ctx, ds.at(-1)!.ts)}`, ...lines];
}

const BURST = { count: 10, windowNs: 10e9 };
const isBurst = (ds: Facts['denials']): boolean => {
  for (let i = 0, j = 0; j < ds.length; j++) { while (ds[j]!.ts - ds[i]!.ts > BURST.windowNs) i++; if (j - i + 1 >= BURST.count) return true; }
  return false;
};

export const RULES: readonly Rule[] = [
  {
    id: 'capture-damaged', title: 'The capture is damaged or cut short: what follows may be incomplete', severity: 'high', probes: [], drill: 'info',
    test: (_f, ctx) => {
      const i = ctx.reader.integrity();
      if (i.verdict === 'intact' || i.verdict === 'unchained') return [];
      return [{ ts: null, proc: null, summary: esc(i.text), evidence: ctx.reader.describeIssues().slice(0, 10).map((s) => esc(s)) }];
    },
  },
  {
    id: 'capture-lost', title: 'Events were lost in the kernel while recording', severity: 'high', probes: [], drill: 'info',
    test: (f, ctx) => {
      const by = new Map<string, number>();
      for (const l of f.lost) by.set(l.probe, (by.get(l.probe) ?? 0) + l.count);
      if (!by.size) return [];
      return [{ ts: f.lost[0]!.ts, proc: null, summary: [...by].map(([p, n]) => `${n} ${esc(p)}`).join(', ') + ' events lost',
        evidence: f.lost.slice(0, 10).map((l) => `${at(ctx, l.ts)} ${l.count} ${esc(l.probe)} events lost${l.lane ? ` (${esc(l.lane)} lane)` : ''}`) }];
    },
  },
  {
    id: 'exec-temp', title: 'Program run from a world-writable or temporary directory', severity: 'high', probes: ['exec'],
    test: (f, ctx) => [
      ...atStart(ctx, inTemp, (p) => `running at the start: ${execArgs(p.execs[0]!.filename, p.execs[0]!.argv, 8, false, false)}`),
      ...firstPerProc(f.execs, (e) => inTemp(e.path) || inTemp(e.interp)).map((e) => ({
        ts: e.ts, proc: e.proc, summary: `${e.ret ? `tried to run (${errnoName(e.ret)})` : 'ran'} ${cmd(e)}`,
        evidence: [`file ${showPath(e.path)}${e.interp && e.interp !== e.path ? ` through ${showPath(e.interp)}` : ''}${e.ino && e.ino !== '0' ? ` inode ${esc(e.ino)}` : ''}`],
      })),
    ],
  },
  {
    id: 'exec-fileless', title: 'Program run from memory (memfd) or from a deleted file', severity: 'high', probes: ['exec'],
    test: (f, ctx) => [
      ...atStart(ctx, fileless, (p) => `running at the start from ${esc(p.execs[0]!.filename)}`),
      ...firstPerProc(f.execs, (e) => fileless(e.path)).map((e) => ({ ts: e.ts, proc: e.proc, summary: `ran ${cmd(e)}`, evidence: [`file ${showPath(e.path)}`] })),
    ],
  },
  {
    id: 'exec-written', title: 'A file written during the capture was then executed', severity: 'high', probes: ['exec', 'open'],
    test: (f, ctx) => {
      const done = new Set<string>();
      const hits: Hit[] = [];
      for (const e of f.execs) {
        for (const path of [e.path, e.interp]) {
          const w = f.writes.get(path);
          if (!w || w.ts > e.ts || done.has(path)) continue;
          done.add(path);
          hits.push({ ts: e.ts, proc: e.proc, summary: `${e.ret ? `tried to run (${errnoName(e.ret)})` : 'ran'} ${showPath(path)}, written ${((e.ts - w.ts) / 1e9).toFixed(3)} s before`,
            evidence: [`${at(ctx, w.ts)} written (open flags 0${w.flags.toString(8)}) by ${who(w.proc, ctx)}`, `${at(ctx, e.ts)} executed: ${cmd(e)}`] });
        }
      }
      return hits;
    },
  },
  {
    id: 'became-root', title: 'A process gained root (uid or gid changed to 0)', severity: 'high', probes: [],
    test: (f, ctx) => f.creds.filter((c) => (c.to[0] === 0 && c.from[0] !== 0) || (c.to[1] === 0 && c.from[1] !== 0)).map((c) => ({
      ts: c.ts, proc: c.proc, summary: `uid ${c.from[0]}→${c.to[0]}, gid ${c.from[1]}→${c.to[1]} in ${esc(c.proc.comm)}`,
      evidence: [`command: ${execArgs(c.proc.execs.at(-1)?.filename ?? new Uint8Array(), c.proc.argv, 8, false, false)}`] })),
  },
  {
    id: 'module-load', title: 'A kernel module was loaded', severity: 'high', probes: ['module'],
    test: (f) => f.modules.map((m) => ({ ts: m.ts, proc: m.proc, summary: `module ${m.name}`, evidence: [] })),
  },
  {
    id: 'denied-sensitive', title: 'Access to a sensitive file was denied', severity: 'high', probes: ['open', 'syscall_error'],
    test: (f, ctx) => firstPerProc(f.denials, (d) => d.path !== null && SENSITIVE.some((re) => re.test(d.path!))).map((d) => ({
      ts: d.ts, proc: d.proc, summary: `${errnoName(d.errno)} on ${d.what} ${showPath(d.path!)} as ${esc(ctx.users.get(d.proc.uid) ?? String(d.proc.uid))}`,
      evidence: [`command: ${execArgs(d.proc.execs.at(-1)?.filename ?? new Uint8Array(), d.proc.argv, 8, false, false)}`] })),
  },
  {
    id: 'cred-change', title: 'A process changed its user or group', severity: 'medium', probes: [],
    test: (f) => f.creds.filter((c) => !(c.to[0] === 0 && c.from[0] !== 0) && !(c.to[1] === 0 && c.from[1] !== 0)).map((c) => ({
      ts: c.ts, proc: c.proc, summary: `uid ${c.from[0]}→${c.to[0]}, gid ${c.from[1]}→${c.to[1]}`,
      evidence: [`command: ${execArgs(c.proc.execs.at(-1)?.filename ?? new Uint8Array(), c.proc.argv, 8, false, false)}`] })),
  },
  {
    id: 'denial-burst', title: `Burst of EPERM/EACCES (${BURST.count} or more within ${BURST.windowNs / 1e9} s)`, severity: 'medium', probes: ['syscall_error'], drill: 'eperm',
    test: (f, ctx) => [...denialsByProc(f)].filter(([, ds]) => isBurst(ds)).map(([p, ds]) => ({ ts: ds[0]!.ts, proc: p, summary: `${ds.length} denials`, evidence: denialLines(ds, ctx) })),
  },
  {
    id: 'shell-session', title: 'Interactive shell with typed commands', severity: 'medium', probes: ['readline', 'tty'], drill: 'shell',
    test: (f, ctx) => [...f.shells.values()].map((s) => ({
      ts: s.lines[0]?.ts ?? null, proc: s.proc, summary: `${s.count} command${s.count === 1 ? '' : 's'} typed on ${s.tty}`,
      evidence: [...s.lines.slice(0, 20).map((l) => `${at(ctx, l.ts)} $ ${l.text}`), ...(s.count > 20 ? [`… ${s.count - 20} more (secanalyze ${ctx.file} --readline)`] : [])] })),
  },
  {
    id: 'exec-failed', title: 'Failed exec (not a PATH search that later succeeded)', severity: 'low', probes: ['exec'],
    test: (f) => {
      const later = new Map<Proc, Set<string>>();
      for (const e of f.execs) if (!e.ret) { const s = later.get(e.proc) ?? new Set(); s.add(basename(e.path)); later.set(e.proc, s); }
      return f.execs.filter((e) => e.ret && !later.get(e.proc)?.has(basename(e.path)))
        .map((e) => ({ ts: e.ts, proc: e.proc, summary: `${errnoName(e.ret)}: ${cmd(e)}`, evidence: [] }));
    },
  },
  {
    id: 'denials', title: 'Syscalls denied with EPERM/EACCES', severity: 'low', probes: ['syscall_error'], drill: 'eperm',
    test: (f, ctx) => [...denialsByProc(f)].filter(([, ds]) => !isBurst(ds)).map(([p, ds]) => ({ ts: ds[0]!.ts, proc: p, summary: `${ds.length} denial${ds.length === 1 ? '' : 's'}`, evidence: denialLines(ds, ctx) })),
  },
  {
    id: 'preexisting-active', title: 'Process alive at the start that acted during the capture', severity: 'low', probes: ['proc'],
    test: (_f, ctx) => ctx.tree.all.filter((p) => p.origin === 'snapshot' && p.active && p.pid !== ctx.header.recorderPid).map((p) => {
      const kids = p.children.filter((c) => c.origin === 'fork').length;
      const did = [kids ? `forked ${kids}` : '', p.execs.length > 1 ? `exec'd ${p.execs.length - 1}` : '', p.events ? `${p.events} events` : '', p.exit ? 'exited' : ''].filter(Boolean);
      return { ts: null, proc: p, summary: `${execArgs(p.execs[0]?.filename ?? new Uint8Array(), p.execs[0]?.argv ?? [], 6, false, false) || `[${esc(p.comm)}]`}: ${did.join(', ')}`, evidence: [] };
    }),
  },
  {
    id: 'probe-skipped', title: 'A probe was not attached: its events are absent, not zero', severity: 'low', probes: [], drill: 'info',
    test: (_f, ctx) => (ctx.header.probes ?? []).filter((p) => !p.attached).map((p) => ({
      ts: null, proc: null, summary: `probe ${esc(p.name)} skipped: ${esc(p.reason)}`,
      evidence: [`rules that could not see it: ${RULES.filter((r) => r.probes.includes(p.name ?? '')).map((r) => r.id).join(', ') || 'none'}`] })),
  },
  {
    id: 'triage-bounded', title: 'Triage kept only part of a very large list', severity: 'info', probes: [],
    test: (f) => [...f.cut].map((name) => ({ ts: null, proc: null, summary: `${name}: only the first 100000 were judged`, evidence: [] })),
  },
];
