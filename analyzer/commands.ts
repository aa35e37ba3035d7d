// The built-in subcommands: one declaration each (options, checks, the view it runs).
import { InvalidArgumentError, Option, type Command } from 'commander';
import { writeFileSync } from 'node:fs';
import type { CaptureRecord } from '../format/index.js';
import type { View, ViewContext } from './pipeline.js';
import { collect, int, positive, regex, type CommandRun, type CommandSpec } from './command.js';
import { UsageError } from './errors.js';
import { CaptureClock } from './time.js';
import { matchProcs, parseProcSpec, procRef, resolveProc, type ProcSpec } from './state/resolve.js';
import type { Proc } from './state/processes.js';
import { KIND_COMMANDS } from './views/kinds.js';
import { ShellSelector, shellView } from './views/terminal.js';
import { replayView, DEFAULT_MAX_IDLE } from './views/replay.js';
import { treeView } from './views/tree.js';
import { infoView } from './views/info.js';
import { timelineView } from './views/timeline.js';
import { CHART_KINDS, chartFormat, chartView, toHtml, toSvg, type ChartKind } from './charts.js';

const WHOLE_LIFETIMES = 'a tree shows whole lifetimes (execs --since … lists what started in a window)';
const OWN_PROCESSES = 'this view selects the shell and its descendants itself';

/** Builds the tree in a first pass and names exactly one process (or lists the candidates). */
async function resolveFirst(run: CommandRun, spec: ProcSpec): Promise<{ proc: Proc; nth: number }> {
  let chosen: { proc: Proc; nth: number } | null = null;
  await run.view({ probes: [], filtered: false, end(ctx) { const p = resolveProc(ctx.tree, spec); chosen = { proc: p, nth: ctx.tree.byPid(p.pid).indexOf(p) }; } }, { quiet: true });
  return chosen!;
}

/** Passes records to a shell view only once the chosen holder of the PID is the live one, so the
 * view's selector (which takes the live holder at the first write) locks onto that process. */
function pinned(inner: View, pid: number, nth: number, shellOnly: boolean): View {
  let locked = false;
  let seen: Proc | undefined;
  let isChosen = false;
  return {
    ...inner,
    filtered: 'time',
    record(r: CaptureRecord, ctx: ViewContext) {
      if (!locked) {
        if (r.body !== 'ttyWrite' || (r.ttyWrite!.fd !== 1 && r.ttyWrite!.fd !== 2)) return;
        const live = ctx.tree.get(pid);
        if (live !== seen) { seen = live; isChosen = !!live && ctx.tree.byPid(pid)[nth] === live; } // byPid scans: once per holder
        if (!isChosen || (shellOnly && r.pid !== pid)) return;
        locked = true;
      }
      inner.record?.(r, ctx);
    },
  };
}

/** Warnings a shell's output owes: no --stdio when recording, writes cut short. */
function shellNotes(pid: number, nth: number, shellOnly: boolean): View {
  const sel = new ShellSelector(pid, shellOnly);
  let cut = 0;
  const gate = pinned({ probes: [], record: (r, ctx) => { if (sel.matches(r, ctx) && (r.ttyWrite!.cut || Number(r.ttyWrite!.len ?? 0) > (r.ttyWrite!.data?.length ?? 0))) cut++; }, end() {} }, pid, nth, shellOnly);
  return {
    probes: [],
    record: (r, ctx) => gate.record!(r, ctx),
    end(ctx) {
      if (!ctx.header.settings?.stdio) ctx.warn('recorded without --stdio: only what the shell wrote to its terminal is here, not output sent to pipes or files');
      if (cut) ctx.warn(`${cut} write(s) were cut short when recording (longer than --write-bytes ${ctx.header.settings?.writeBytes ?? '?'}): their tails are missing`);
    },
  };
}

/** Runs several views over one pass of the capture. */
function both(a: View, b: View): View {
  return {
    probes: [...a.probes, ...b.probes],
    ...(a.filtered !== undefined ? { filtered: a.filtered } : {}),
    record(r, ctx) { a.record?.(r, ctx); b.record?.(r, ctx); },
    async end(ctx) { await a.end(ctx); await b.end(ctx); },
  };
}

export const BUILTIN: CommandSpec[] = [
  {
    name: 'info', legacy: '--info', summary: 'what the capture holds and whether it is intact (the default)',
    refuses: { csv: 'info is one object, not a table (--json)', since: 'info describes the whole capture', until: 'info describes the whole capture', pid: 'info describes the whole capture', comm: 'info describes the whole capture', uid: 'info describes the whole capture' },
    async run(r) { await r.view(infoView()); },
  },
  {
    name: 'tree', legacy: '--tree', summary: 'process tree (--pid P: the subtree of P; --all: also every process alive at the start)',
    refuses: { since: WHOLE_LIFETIMES, until: WHOLE_LIFETIMES, comm: 'a tree keeps whole branches (execs -n NAME finds commands)', uid: 'a tree keeps whole branches (execs -u USER finds a user\'s commands)' },
    options(c) { c.option('--all', 'also every process alive at the start').option('--max-args <n>', 'arguments shown per exec', int('--max-args'), 20); },
    async run(r) {
      const spec = r.opts['pid'] !== undefined ? parseProcSpec(String(r.opts['pid']), '--pid') : null;
      const pick = (t: Parameters<typeof matchProcs>[0]): Proc[] => {
        if (!spec || spec.start !== undefined || spec.nth !== undefined) return [resolveProc(t, spec!)];
        const all = matchProcs(t, spec);
        if (all.length > 1) r.warn(`PID ${spec.pid} was held by ${all.length} processes; showing each (name one: ${all.map((p) => procRef(p, t)).join(', ')})`);
        return all;
      };
      await r.view(treeView({ all: !!r.opts['all'], maxArgs: r.opts['maxArgs'], ...(spec ? { pid: spec.pid, pick } : {}) }));
    },
  },
  {
    name: 'ancestry', legacy: '--ancestry', summary: 'the chain of parents of one process',
    operand: { name: 'pid', description: 'PID, PID@START (seconds since the start, as tree shows) or PID#N' },
    refuses: { since: WHOLE_LIFETIMES, until: WHOLE_LIFETIMES, comm: 'it follows one process', uid: 'it follows one process', pid: 'give the process as the PID operand' },
    options(c) { c.option('--max-args <n>', 'arguments shown per exec', int('--max-args'), 20); },
    check(r) { parseProcSpec(r.operand ?? '', 'PID'); },
    async run(r) {
      const spec = parseProcSpec(r.operand ?? '', 'PID');
      await r.view(treeView({ ancestry: spec.pid, maxArgs: r.opts['maxArgs'], pick: (t) => [resolveProc(t, spec)] }));
    },
  },
  ...KIND_COMMANDS,
  {
    // `timeline` (the whole host) is another module's; the per-session view is `sessions`.
    name: 'sessions', legacy: '--timeline', summary: 'per shell session: commands, processes, output and denials in order',
    options(c) { c.option('--max-args <n>', 'arguments shown per exec', int('--max-args'), 20); },
    async run(r) { await r.view(timelineView(r.opts['maxArgs'])); },
  },
  {
    name: 'shell', legacy: '--shell', summary: 'shellsnoop: output of a shell and its descendants (raw bytes; --escape for text)',
    operand: { name: 'pid', description: 'the shell: PID, PID@START or PID#N' },
    refuses: { pid: OWN_PROCESSES, comm: OWN_PROCESSES, uid: OWN_PROCESSES },
    options(c) { c.option('-s, --shell-only', 'the shell only, not its descendants').option('--escape', 'escaped text').option('-C, --noclear', 'accepted for compatibility (no-op offline)'); },
    check(r) { parseProcSpec(r.operand ?? '', 'PID'); },
    async run(r) {
      const { proc, nth } = await resolveFirst(r, parseProcSpec(r.operand ?? '', 'PID'));
      const only = !!r.opts['shellOnly'];
      await r.view(both(pinned(shellView(proc.pid, only, { escape: !!r.opts['escape'] }), proc.pid, nth, only), shellNotes(proc.pid, nth, only)));
    },
  },
  {
    name: 'replay', legacy: '--replay', summary: 'a bash script (or asciicast) replaying a shell session\'s output',
    operand: { name: 'pid', description: 'the shell: PID, PID@START or PID#N' },
    refuses: { json: 'the replay is a script (--format asciicast for JSON lines)', pid: OWN_PROCESSES, comm: OWN_PROCESSES, uid: OWN_PROCESSES },
    options(c) {
      c.option('-s, --shell-only', 'the shell only').option('--speed <factor>', 'play this many times faster', positive('--speed'), 1)
        .addOption(new Option('--format <fmt>', 'bash script or asciinema cast').choices(['bash', 'asciicast']).default('bash'))
        .option('--max-idle <s>', `cut every pause to at most this many recorded seconds (asciinema's idle_time_limit; default ${DEFAULT_MAX_IDLE})`, (v) => { const n = Number(v); if (!(n >= 0)) throw new InvalidArgumentError('--max-idle must be >= 0'); return n; }, DEFAULT_MAX_IDLE)
        .option('-o, --output <file>', 'write the script here (mode 0700, never overwritten) instead of stdout');
    },
    check(r) { parseProcSpec(r.operand ?? '', 'PID'); },
    async run(r) {
      const { proc, nth } = await resolveFirst(r, parseProcSpec(r.operand ?? '', 'PID'));
      const only = !!r.opts['shellOnly'];
      await r.view(both(pinned(replayView(proc.pid, { speed: r.opts['speed'], format: r.opts['format'], maxIdle: r.opts['maxIdle'] }, only), proc.pid, nth, only), shellNotes(proc.pid, nth, only)));
    },
  },
  {
    name: 'chart', legacy: '--chart', summary: `a Vega-Lite chart (${CHART_KINDS.join(', ')}) to -o out.svg|out.html|out.vl.json`,
    operand: { name: 'kind', description: CHART_KINDS.join(', ') },
    refuses: { json: 'a chart is written to -o FILE (.vl.json for the spec)' },
    options(c) {
      c.requiredOption('-o, --output <file>', 'out.svg, out.html (self-contained, offline) or out.vl.json (the Vega-Lite spec)')
        .option('--top <n>', 'processes in the top chart', int('--top'), 20).option('-x, --fails', 'execs chart: count failed execs too, as execs -x lists them');
    },
    check(r) {
      if (!CHART_KINDS.includes(r.operand as ChartKind)) throw new UsageError(`chart kind "${r.operand}": give one of ${CHART_KINDS.join(', ')}`);
      chartFormat(r.opts['output']);
    },
    async run(r) {
      const out: string = r.opts['output'];
      const fmt = chartFormat(out);
      await r.view(chartView({ kind: r.operand as ChartKind, output: out, top: r.opts['top'], fails: !!r.opts['fails'] }, async (spec, ctx) => {
        const title = typeof spec.title === 'object' && spec.title && 'text' in spec.title ? String(spec.title.text) : 'secanalyze chart';
        const text = fmt === '.svg' ? await toSvg(spec) : fmt === '.html' ? toHtml(spec, title) : JSON.stringify(spec, null, 2);
        writeFileSync(out, text);
        ctx.warn(`wrote ${out} (${text.length} bytes)`);
      }));
    },
  },
];

/** For tests and other modules: the time forms are checked before any file is read. */
export function checkTimes(times: { since?: string; until?: string }): void {
  if (times.since !== undefined) CaptureClock.check(times.since, '--since');
  if (times.until !== undefined) CaptureClock.check(times.until, '--until');
}

export type { Command };
