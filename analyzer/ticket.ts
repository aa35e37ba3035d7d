// The analyst's commands: `secanalyze triage|timeline|report|follow FILE …`. Each parses its own
// options with commander; analyzer/cli.ts hands argv here when argv[0] names one of them.
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { CaptureError } from '../format/index.js';
import { SEVERITIES, type Severity } from './triage/rules.js';
import type { HostTimelineOptions } from './views/hosttimeline.js';

// Each command loads its modules when it runs (report's bundles and vega are heavy; follow starts fast).
const FOLLOW_VIEWS = ['tty', 'shell', 'execs'] as const;
type FollowView = (typeof FOLLOW_VIEWS)[number];

export const TICKET_COMMANDS = ['triage', 'timeline', 'report', 'follow'] as const;

const EXIT = { ok: 0, error: 1, usage: 2, damaged: 3 } as const;

export const int = (what: string) => (v: string): number => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${what} must be a whole number`);
  return Number(v);
};

function fail(msg: string, code: number): never {
  process.stderr.write(`secanalyze: ${msg}\n`);
  process.exit(code);
}

const warn = (m: string) => process.stderr.write(`secanalyze: ${m}\n`);

function triageCommand(): Command {
  return new Command('triage')
    .description('What happened, most suspicious first: each finding with its process, time, evidence and the command to drill down.')
    .argument('<file>', 'capture file written by secrec')
    .option('--json', 'one JSON object per finding', false)
    .addOption(new Option('--min <severity>', 'hide findings below this severity').choices([...SEVERITIES]).default('info'))
    .action(async (file: string, o: { json: boolean; min: Severity }) => {
      const { triage, renderText } = await import('./triage/index.js');
      const { findings, facts, ctx } = await triage(file, warn);
      const shown = findings.filter((f) => SEVERITIES.indexOf(f.severity) <= SEVERITIES.indexOf(o.min));
      if (o.json) process.stdout.write(shown.map((f) => JSON.stringify(f) + '\n').join(''));
      else process.stdout.write(renderText(shown, ctx, facts).join('\n') + '\n');
      process.exitCode = exitFor(ctx.reader.integrity().verdict);
    });
}

/** Exit code of a view over a capture: damaged or truncated input is said by the code too. */
function exitFor(verdict: string): number {
  return verdict === 'damaged' || verdict === 'truncated' ? EXIT.damaged : EXIT.ok;
}

function timelineCommand(): Command {
  return new Command('timeline')
    .description('The whole host in time order: sessions, commands typed, the processes they started and their output, denials, files written then run, module loads, lost-event markers.')
    .argument('<file>', 'capture file written by secrec')
    .option('--json', 'one JSON object per line (README: views as data)', false)
    .addOption(new Option('--csv', 'CSV with a header line: the same columns as --json').default(false).conflicts('json'))
    .option('--pid <pid>', 'only this process and its descendants', int('--pid'))
    .option('--uid <uid>', 'only events of this user id', int('--uid'))
    .option('--session <pid>', 'only the session of this shell', int('--session'))
    .option('--since <time>', 'from: seconds since the start (90, 2m), HH:MM:SS on the recorded host or an ISO date')
    .option('--until <time>', 'until (same forms)')
    .option('--max-args <n>', 'arguments shown per exec', int('--max-args'), 20)
    .action(async (file: string, o: { json: boolean; csv: boolean; pid?: number; uid?: number; session?: number; since?: string; until?: string; maxArgs: number }) => {
      const opts: HostTimelineOptions = { maxArgs: o.maxArgs };
      for (const k of ['pid', 'uid', 'session', 'since', 'until'] as const) if (o[k] !== undefined) (opts as Record<string, unknown>)[k] = o[k];
      const { run } = await import('./pipeline.js');
      const { HostTimeline, hostTimelineView } = await import('./views/hosttimeline.js');
      const ctx = await run(hostTimelineView(new HostTimeline(opts)), { file, format: o.json ? 'json' : o.csv ? 'csv' : 'text', filters: {}, warn });
      process.exitCode = exitFor(ctx.reader.integrity().verdict);
    });
}

function reportCommand(): Command {
  return new Command('report')
    .description('A bundle to attach to a ticket: offline index.html (findings, tree, timeline, EPERM, charts, session players), manifest.json, findings.json, sessions/*.cast|.sh and the capture.')
    .argument('<file>', 'capture file written by secrec')
    .requiredOption('-o, --output <dir|file.tar.gz|file.zip>', 'a new directory, or an archive to create')
    .option('--no-capture', 'leave the capture itself out of the bundle')
    .action(async (file: string, o: { output: string; capture: boolean }) => {
      const { report } = await import('./report/bundle.js');
      const intact = await report(file, { output: o.output, capture: o.capture, warn });
      process.exitCode = intact ? EXIT.ok : EXIT.damaged;
    });
}

function followCommand(): Command {
  return new Command('follow')
    .description('Watch a capture as secrec writes it, like tail -f: tty DEV (ttysnoop), shell PID (shellsnoop), execs (execsnoop). Ends at the capture\'s end marker or on Ctrl-C.')
    .argument('<file>', "capture being written ('-' reads standard input: secrec -o - | secanalyze follow - tty pts/3)")
    .addArgument(new Argument('<view>', 'what to show').choices([...FOLLOW_VIEWS]))
    .argument('[arg]', 'the terminal for tty, the shell\'s pid for shell')
    .option('--escape', 'tty/shell: show the bytes escaped, as text')
    .option('-s, --shell-only', 'shell: the shell only, not its descendants')
    .option('-T, --timestamp', 'execs: a time column (HH:MM:SS on the recorded host)')
    .option('-t, --time', 'execs: seconds since the capture start')
    .option('-x, --fails', 'execs: include failed execs')
    .option('-U, --print-uid', 'execs: a UID column')
    .option('--json', 'one JSON object per line', false)
    .addHelpText('after', `
Delay from an event to this screen: at most secrec's --flush-ms (default 1000 ms) plus ~100 ms of
ring polling and 25 ms of file polling. For live use record with: secrec -o FILE --flush-ms 200.`)
    .action(async (file: string, view: FollowView, arg: string | undefined, o: { escape?: boolean; shellOnly?: boolean; timestamp?: boolean; time?: boolean; fails?: boolean; printUid?: boolean; json: boolean }) => {
      const { follow } = await import('./follow/index.js');
      const r = await follow(file, { view, ...(arg !== undefined ? { arg } : {}), escape: !!o.escape, shellOnly: !!o.shellOnly, timestamp: !!o.timestamp,
        time: !!o.time, fails: !!o.fails, printUid: !!o.printUid, json: o.json, warn });
      process.exitCode = r.problems.length ? EXIT.damaged : EXIT.ok;
    });
}

/** Runs one of the analyst's commands; argv starts with its name. */
export async function ticketMain(argv: string[]): Promise<void> {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); fail(e.message, EXIT.error); });
  const program = new Command('secanalyze').exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : EXIT.usage));
  for (const c of [triageCommand(), timelineCommand(), reportCommand(), followCommand()]) program.addCommand(c.exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : EXIT.usage)));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CaptureError) fail(e.message, EXIT.error);
    if (e instanceof Error && e.message.includes('EPIPE')) process.exit(0);
    fail(e instanceof Error ? e.message : String(e), EXIT.error);
  }
}
