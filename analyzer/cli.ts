#!/usr/bin/env -S node --max-old-space-size=4096
// secanalyze: read a capture anywhere (no root, no kernel) and show it as the classic tools did.
// Results on stdout; progress, warnings and errors on stderr.
//
//   secanalyze COMMAND FILE [OPERAND] [options]     e.g. secanalyze execs incident.cap -T -x
//   secanalyze FILE --execs [options]               the old form, kept as an alias
//
// Adding a subcommand: write a module that exports a CommandSpec (analyzer/command.ts: name,
// summary, optional operand, options(cmd), check(run), run(run) — run.view(v) streams the capture
// through a View) and append it to BUILTIN in analyzer/commands.ts. The entry gives it per-command help, the
// global filters (--json --since --until --pid --comm --uid; `refuses` names those it cannot
// honour, with the reason), `-` for standard input, progress, loss/damage reports and exit codes.
import type { Command } from 'commander';
import { closeSync, constants as C, createReadStream, createWriteStream, existsSync, mkdtempSync, openSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline as pump } from 'node:stream/promises';
// Startup: only commander and small modules load here; the views, the reader (zstd, protobufjs),
// luxon, the progress bar and the analyst's commands load when a command needs them.
import type { SingleBar } from 'cli-progress';
import { CaptureError } from '../format/errors.js';
import type { Filters, ViewContext } from './pipeline.js';
import type { Sink } from './render.js';
import type { CommandRun, CommandSpec, GlobalFilter } from './command.js';
import { UsageError } from './errors.js';

/** analyzer/ticket.ts's TICKET_COMMANDS, named here so that other commands do not load it (a test keeps them equal). */
export const TICKET_NAMES = ['triage', 'timeline', 'report', 'follow'] as const;

/** Every built-in subcommand, in the order `secanalyze -h` lists them (analyzer/commands.ts). */
/** commander and analyzer/command.ts, loaded by main() (`--version` answers without them). */
let lib: typeof import('commander') & typeof import('./command.js');

export async function builtinCommands(): Promise<CommandSpec[]> {
  return [...(await import('./commands.js')).BUILTIN];
}

const EXIT = { ok: 0, error: 1, usage: 2, damaged: 3 } as const;

function version(): string {
  for (let d = dirname(fileURLToPath(import.meta.url)); d !== dirname(d); d = dirname(d)) {
    const p = join(d, 'package.json');
    if (existsSync(p)) { const j = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string }; if (j.name === 'secrec') return j.version ?? '?'; }
  }
  return '?';
}

/** `FILE --execs -T` → `execs FILE -T`; `FILE --tty pts/3` → `tty FILE pts/3`; `FILE` → `info FILE`. */
export function translateLegacy(argv: string[], commands: CommandSpec[]): string[] {
  if (!argv.length || commands.some((c) => c.name === argv[0]) || argv[0]!.startsWith('-') && !argv.some((a) => legacyOf(a, commands))) return argv;
  const found = argv.map((a, i) => ({ i, c: legacyOf(a, commands) })).filter((x) => x.c);
  const names = [...new Set(found.map((x) => x.c!.name))];
  if (names.length > 1) throw new UsageError(`give one view: ${found.map((x) => x.c!.legacy).join(' and ')} were both given`);
  if (!found.length) {
    if (argv[0] !== '-' && !existsSync(argv[0]!)) throw new UsageError(`"${argv[0]}" is neither a command (${commands.map((x) => x.name).join(', ')}) nor a file`);
    return ['info', ...argv];
  }
  const { i, c } = found[0]!;
  const rest = [...argv];
  const eq = rest[i]!.indexOf('=');
  let operand: string | undefined;
  if (eq > 0) { operand = rest[i]!.slice(eq + 1); rest.splice(i, 1); } else if (c!.operand) { operand = rest[i + 1]; rest.splice(i, 2); } else rest.splice(i, 1);
  if (c!.operand && operand === undefined) throw new UsageError(`${c!.legacy} needs ${c!.operand.name.toUpperCase()}`);
  return [c!.name, ...rest, ...(operand !== undefined ? [operand] : [])];
}

function legacyOf(arg: string, commands: CommandSpec[]): CommandSpec | undefined {
  const flag = arg.split('=')[0];
  return commands.find((c) => c.legacy === flag);
}

/** A capture on standard input is copied to a private temporary file (views may read twice). */
let stdinCopy: string | null = null;
async function sourceOf(file: string): Promise<string> {
  if (file !== '-') return file;
  if (stdinCopy) return stdinCopy;
  if (process.stdin.isTTY) throw new UsageError("'-' reads a capture from standard input, which is a terminal here (pipe one in: secrec -o - | secanalyze execs -)");
  const dir = mkdtempSync(join(tmpdir(), 'secanalyze-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'stdin.cap');
  await pump(process.stdin, createWriteStream(path, { mode: 0o600, flags: 'wx' }));
  return (stdinCopy = path);
}

function addGlobals(cmd: Command, spec: CommandSpec): void {
  cmd.option('--json', 'one JSON object per line, with the column names of docs/schema.md (strings raw: escape them before printing)')
    .option('--csv', 'CSV with a header line: the same columns as --json')
    .option('--since <time>', 'start of the window: seconds since the capture start (90, 2m), HH:MM:SS on the recorded host or an ISO date')
    .option('--until <time>', 'end of the window (same forms; HH:MM:SS takes in that whole second)')
    .option('--pid <pid>', spec.name === 'tree' ? 'the subtree of this process (PID, PID@START or PID#N)' : 'only this process id', (v: string) => (spec.name === 'tree' ? v : lib.int('--pid')(v)) as never)
    .option('--comm <name>', 'only processes with this exact command name')
    .option('--uid <uid>', 'only this user id', lib.int('--uid'))
    .option('--index', `keep a time index beside FILE (FILE.secidx, made on first use): --since/--until then pass over frames outside the window (views that keep the process tree read every frame)`)
    .option('--no-progress', 'no progress bar on stderr');
}

function build(commands: CommandSpec[], state: { worst: number }): Command {
  const program = new lib.Command('secanalyze').version(version(), '-V, --version')
    .description('Analyze a secrec capture: the classic BPF security tools\' views, process trees, EPERM/EACCES counts, shell replays and charts.')
    .usage('COMMAND FILE [options]    (FILE "-" is standard input; `secanalyze COMMAND -h` for its options)')
    .showHelpAfterError('(secanalyze COMMAND -h shows its options)')
    .exitOverride();
  for (const spec of commands) {
    const cmd = program.command(spec.name).summary(spec.summary).description(spec.summary)
      .argument('<file>', "capture file written by secrec ('-': standard input)").exitOverride();
    if (spec.operand) {
      const n = `${spec.operand.name}${spec.operand.variadic ? '...' : ''}`;
      cmd.argument(spec.operand.optional ? `[${n}]` : `<${n}>`, spec.operand.description);
    }
    addGlobals(cmd, spec);
    spec.options?.(cmd);
    if (spec.legacy) cmd.addHelpText('after', `\nAlso: secanalyze FILE ${spec.legacy}${spec.operand ? ` ${spec.operand.name.toUpperCase()}` : ''} [options]`);
    if (spec.examples?.length) cmd.addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  ${e}`).join('\n')}`);
    cmd.action(async (...a: unknown[]) => {
      const c = a[a.length - 1] as Command;
      const [file, rest] = c.processedArgs as [string, string | string[] | undefined];
      const operands = rest === undefined ? [] : Array.isArray(rest) ? rest : [rest];
      const operand = operands[0];
      const o = c.opts();
      for (const f of lib.GLOBAL_FILTERS) {
        const given = o[f] !== undefined && o[f] !== false;
        const why = spec.refuses?.[f as GlobalFilter] ?? (f === 'csv' ? spec.refuses?.json : undefined);
        if (given && why) throw new UsageError(`${spec.name} does not take --${f}: ${why}`);
      }
      if (o['json'] && o['csv']) throw new UsageError('give --json or --csv, not both');
      const filters: Filters = {};
      if (o['pid'] !== undefined && spec.name !== 'tree') filters.pid = o['pid'];
      if (o['comm'] !== undefined) filters.comm = o['comm'];
      if (o['uid'] !== undefined) filters.uid = o['uid'];
      const times: { since?: string; until?: string } = {};
      if (o['since'] !== undefined) times.since = o['since'];
      if (o['until'] !== undefined) times.until = o['until'];
      const warn = (m: string) => { process.stderr.write(`secanalyze: ${m}\n`); };
      let output: Sink | undefined; // stdout unless the command names a file
      const r: CommandRun = {
        file, operand, operands, opts: o, filters, times, format: o['json'] ? 'json' : o['csv'] ? 'csv' : 'text', warn,
        view: async (v, vo = {}) => {
          const path = await sourceOf(file);
          let bar: SingleBar | null = null;
          const size = file === '-' ? 0 : statSync(path).size;
          if (o['progress'] && !vo.quiet && process.stderr.isTTY && size > 16 << 20) {
            const cliProgress = (await import('cli-progress')).default;
            bar = new cliProgress.SingleBar({ stream: process.stderr, format: 'reading {bar} {percentage}% | {value}/{total} MiB', clearOnComplete: true }, cliProgress.Presets.shades_classic);
            bar.start(Math.ceil(size / (1 << 20)), 0);
          }
          const { run: runPipeline } = await import('./pipeline.js');
          // A view that keeps the process tree reads every frame: no index is made for it.
          const keepsTree = v.tree !== false || r.format !== 'text'; // rows name processes: pipeline.ts
          if (o['index'] && keepsTree && !vo.quiet) warn(`--index: ${spec.name} keeps the process tree, which needs every frame; the index is not used`);
          const index = o['index'] && file !== '-' && !keepsTree ? await (await import('../format/timeindex.js')).ensureIndex(path, vo.quiet ? () => {} : warn) : null;
          const ctx: ViewContext = await runPipeline(v, {
            file, format: r.format, ...(output ? { output } : {}), filters, times, index, ...(file === '-' ? { source: () => createReadStream(path) } : {}),
            ...(bar ? { progress: (n: number) => bar!.update(Math.floor(n / (1 << 20))) } : {}),
            warn: vo.quiet ? () => {} : (m) => { bar?.stop(); warn(m); },
          });
          bar?.stop();
          const verdict = ctx.reader.integrity().verdict;
          if (!vo.quiet && (verdict === 'damaged' || verdict === 'truncated')) state.worst = EXIT.damaged;
          return ctx;
        },
      };
      (await import('./commands.js')).checkTimes(times);
      spec.check?.(r);
      await withOutput(spec, o, (sink) => { output = sink; return spec.run(r); });
    });
  }
  program.addHelpText('after', `
Examples:
  secanalyze info incident.cap
  secanalyze execs incident.cap -T -x
  secanalyze opens incident.cap -x --errname
  secanalyze tree incident.cap --pid 4242@12.345
  secanalyze eperm incident.cap --list
  secanalyze tty incident.cap pts/0 --escape
  secanalyze replay incident.cap 4242 --speed 4 > session.sh && bash session.sh
  secanalyze chart incident.cap events -o events.svg
  secrec -o - | secanalyze execs -
The old form \`secanalyze FILE --execs …\` still works.

Exit codes: 0 read and shown; 1 error (not a capture, unreadable, no such process);
2 usage (a wrong option, value or combination); 3 shown, but the capture is truncated or damaged.`);
  return program;
}

/** replay -o FILE: created 0700 with O_EXCL|O_NOFOLLOW; the view's output goes there. */
async function withOutput(spec: CommandSpec, o: Record<string, any>, f: (sink: Sink | undefined) => Promise<void>): Promise<void> {
  if (spec.name !== 'replay' || !o['output']) return f(undefined);
  let fd: number;
  try { fd = openSync(o['output'], C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o700); }
  catch (e) { throw new Error(`cannot create ${o['output']}: ${(e as Error).message} (it is never overwritten)`); }
  try { await f({ write: (chunk) => { writeFileSync(fd, chunk); } }); } finally { closeSync(fd); }
}

function fail(msg: string, code: number): never {
  process.stderr.write(`secanalyze: ${msg}\n`);
  process.exit(code);
}

export async function main(argv: string[], given?: CommandSpec[]): Promise<number> {
  const state = { worst: EXIT.ok as number };
  if (argv.length === 1 && (argv[0] === '-V' || argv[0] === '--version')) { process.stdout.write(`${version()}\n`); return EXIT.ok; }
  // The analyst's commands (triage, timeline, report, follow) parse their own options: analyzer/ticket.ts.
  if (argv[0] === 'export' || argv[0] === 'sql') { // captures as data: own options (analyzer/data-cli.ts)
    const { runDataCommand } = await import('./data-cli.js');
    return runDataCommand(argv);
  }
  if ((TICKET_NAMES as readonly string[]).includes(argv[0] ?? '')) {
    await (await import('./ticket.js')).ticketMain(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  }
  lib ??= { ...(await import('commander')), ...(await import('./command.js')) };
  const commands = given ?? await builtinCommands();
  if (!argv.length) { build(commands, state).outputHelp({ error: true }); return EXIT.usage; }
  const program = build(commands, state);
  try {
    await program.parseAsync(translateLegacy(argv, commands), { from: 'user' });
  } catch (e) {
    if (e instanceof lib.CommanderError) return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    throw e;
  }
  return state.worst;
}

const isEntry = process.argv[1] !== undefined && (() => { try { return fileURLToPath(import.meta.url) === realpathSync(process.argv[1]!); } catch { return false; } })();
if (isEntry) {
  // `secanalyze … | head -1`: the reader went away; end quietly, as other filters do. Views write
  // fd 1 themselves (render.ts FdSink: EPIPE ends the run at once). process.stdout is made only
  // when something asks for it (help, version, the data commands), and gets its handler then:
  // making it sets a pipe non-blocking, which the views' synchronous writes would pay for.
  const made = Object.getOwnPropertyDescriptor(process, 'stdout');
  if (made?.get && made.configurable) {
    Object.defineProperty(process, 'stdout', {
      configurable: true, enumerable: made.enumerable ?? true,
      get() {
        const s = made.get!.call(process) as NodeJS.WriteStream;
        Object.defineProperty(process, 'stdout', { configurable: true, enumerable: made.enumerable ?? true, value: s, writable: false });
        s.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(EXIT.ok); fail(e.message, EXIT.error); });
        return s;
      },
    });
  } else {
    process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(EXIT.ok); fail(e.message, EXIT.error); });
  }
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
    if (e instanceof UsageError) fail(e.message, EXIT.usage);
    if (e instanceof CaptureError) fail(e.message, EXIT.error);
    if (e instanceof Error && (e as NodeJS.ErrnoException).code === 'EPIPE') process.exit(EXIT.ok);
    fail(e instanceof Error ? e.message : String(e), EXIT.error);
  });
}
