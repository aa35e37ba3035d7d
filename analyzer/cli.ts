#!/usr/bin/env node
// secanalyze: read a capture anywhere (no root, no kernel) and show it as the classic tools did.
// Results on stdout; progress, warnings and errors on stderr.
import { Command, InvalidArgumentError, Option } from 'commander';
import { statSync, writeFileSync, openSync, closeSync, constants as C } from 'node:fs';
import cliProgress from 'cli-progress';
import { CaptureError } from '../format/index.js';
import { run, type Filters, type View } from './pipeline.js';
import { execsView } from './views/execs.js';
import { opensView } from './views/opens.js';
import { elfView } from './views/elf.js';
import { modulesView } from './views/modules.js';
import { readlineView } from './views/readline.js';
import { epermView, type EpermKey } from './views/eperm.js';
import { ttyView, shellView } from './views/terminal.js';
import { replayView, DEFAULT_MAX_IDLE } from './views/replay.js';
import { treeView } from './views/tree.js';
import { infoView } from './views/info.js';
import { timelineView } from './views/timeline.js';
import { CHART_KINDS, chartView, toHtml, toSvg } from './charts.js';

const EXIT = { ok: 0, error: 1, usage: 2, damaged: 3 } as const;

const int = (what: string) => (v: string): number => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${what} must be a whole number`);
  return Number(v);
};
const regex = (v: string): RegExp => { try { return new RegExp(v); } catch (e) { throw new InvalidArgumentError((e as Error).message); } };
const collect = (v: string, prev: string[]): string[] => [...prev, v];

const VIEWS = ['--info', '--tree', '--ancestry', '--eperm', '--execs', '--opens', '--elf', '--modules', '--readline', '--tty', '--shell', '--replay', '--timeline', '--chart'];

function base(viewFlag: string): Command {
  return new Command('secanalyze')
    .usage(`FILE ${viewFlag} [options]`)
    .argument('<file>', "capture file written by secrec ('-' is not supported: captures are read twice for progress)")
    .option('--json', 'one JSON object per line', false)
    .option('--since <time>', 'start of the window: seconds since the capture start (90, 2m), HH:MM:SS or ISO date')
    .option('--until <time>', 'end of the window (same forms)')
    .option('--pid <pid>', 'only this process', int('--pid'))
    .option('--comm <name>', 'only processes with this exact command name')
    .option('--uid <uid>', 'only this user id', int('--uid'))
    .option('--no-progress', 'no progress bar on stderr');
}

function general(): Command {
  return base('VIEW').description('Analyze a secrec capture: process trees, EPERM/EACCES counts, the classic BPF security tools\' views, shell replays and charts.')
    .option('--info', 'what the capture holds and whether it is intact (default view)')
    .option('--tree', 'process tree (--pid P: the subtree of P; --all: every process alive at start too)')
    .option('--ancestry <pid>', 'the chain of parents of a process')
    .option('--eperm', 'syscalls that failed with EPERM / EACCES, counted (--by syscall|comm|pid|uid)')
    .option('--execs', 'execsnoop: -T -t -x -u USER -U -q -n RE -l RE --max-args N -P PPID -M')
    .option('--opens', 'opensnoop: -T -U -x -p PID -t TID -u UID -n NAME -e -f FLAG -F --errname')
    .option('--elf', 'elfsnoop: binaries loaded, with interpreter, mount, device and inode')
    .option('--modules', 'modsnoop: kernel modules loaded')
    .option('--readline', 'bashreadline: commands typed into bash')
    .option('--tty <dev>', 'ttysnoop: what was written to a terminal (pts/3, 3, /dev/pts/3, tty1); --escape')
    .option('--shell <pid>', 'shellsnoop: output of a shell and its descendants; -s shell only; --escape')
    .option('--replay <pid>', 'a bash script replaying a shell session\'s output (--speed F, --format bash|asciicast)')
    .option('--timeline', 'per shell session: commands, processes, output and denials in order')
    .option('--chart <kind>', `a Vega-Lite chart (${CHART_KINDS.join(', ')}) to -o out.vl.json|.svg|.html`)
    .addHelpText('after', `
Examples:
  secanalyze incident.cap --info
  secanalyze incident.cap --tree
  secanalyze incident.cap --execs -T -x
  secanalyze incident.cap --opens -x --errname
  secanalyze incident.cap --eperm --by syscall
  secanalyze incident.cap --tty pts/0 --escape
  secanalyze incident.cap --replay 4242 --speed 4 > session.sh && bash session.sh
  secanalyze incident.cap --chart events -o events.svg

Exit codes: 0 read and shown; 1 error (not a capture, unreadable); 2 usage;
3 shown, but the capture is truncated or damaged (see the lines on stderr).`);
}

function fail(msg: string, code: number): never {
  process.stderr.write(`secanalyze: ${msg}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const which = VIEWS.find((v) => argv.includes(v)) ?? '--info';
  if (argv.includes('-h') || argv.includes('--help') || argv.length === 0) {
    if (which === '--info' && !argv.includes('--info')) { general().outputHelp(); process.exit(argv.length ? 0 : EXIT.usage); }
  }
  const cmd = base(which).exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : EXIT.usage));
  let view: (o: Record<string, any>) => View;
  switch (which) {
    case '--info': cmd.option('--info'); view = () => infoView(); break;
    case '--tree':
      cmd.option('--tree').option('--all', 'also every process alive at the start').option('--max-args <n>', 'arguments shown per exec', int('--max-args'), 20);
      view = (o) => treeView({ pid: o['pid'], all: o['all'], maxArgs: o['maxArgs'] });
      break;
    case '--ancestry':
      cmd.requiredOption('--ancestry <pid>', 'process', int('--ancestry')).option('--max-args <n>', '', int('--max-args'), 20);
      view = (o) => treeView({ ancestry: o['ancestry'], maxArgs: o['maxArgs'] });
      break;
    case '--eperm':
      cmd.option('--eperm').addOption(new Option('--by <key>', 'count by').choices(['comm-syscall', 'syscall', 'comm', 'pid', 'uid']).default('comm-syscall'));
      view = (o) => epermView(o['by'] as EpermKey);
      break;
    case '--execs':
      cmd.option('--execs').option('-T, --timestamp', 'include a time column (HH:MM:SS on the recorded host)')
        .option('-t, --time', 'include a TIME(s) column, seconds since the capture start')
        .option('-x, --fails', 'include failed execs').option('-u, --user <user>', 'only this user (name or id)')
        .option('-U, --print-uid', 'include a UID column').option('-q, --quote', 'quote arguments')
        .option('-n, --name <regex>', 'only command names matching', regex).option('-l, --line <regex>', 'only argument lines matching', regex)
        .option('--max-args <n>', 'arguments shown', int('--max-args'), 20).option('-P, --ppid <ppid>', 'only children of this parent', int('-P'))
        .option('-M, --parent-comm', 'include the parent\'s command name');
      view = (o) => execsView({ timestamp: o['timestamp'], time: o['time'], fails: o['fails'], user: o['user'], printUid: o['printUid'],
        quote: o['quote'], name: o['name'], line: o['line'], maxArgs: o['maxArgs'], ppid: o['ppid'], parentComm: o['parentComm'] });
      break;
    case '--opens':
      cmd.option('--opens').option('-T, --timestamp', 'include a TIME(s) column').option('-U, --print-uid', 'include a UID column')
        .option('-x, --failed', 'only failed opens').option('-p, --tgid <pid>', 'only this process', int('-p'))
        .option('-t, --tid <tid>', 'only this thread', int('-t')).option('-u, --user-id <uid>', 'only this user id', int('-u'))
        .option('-n, --name <name>', 'only command names containing this').option('-e, --extended-fields', 'show flags and mode')
        .option('-f, --flag-filter <flag>', 'only opens with this flag (repeatable: O_WRONLY, O_CREAT, ...)', collect, [])
        .option('-F, --full-path', 'show relative paths resolved against the directory recorded with them')
        .option('--errname', 'show the errno name instead of its number');
      view = (o) => opensView({ timestamp: o['timestamp'], printUid: o['printUid'], failed: o['failed'], pid: o['tgid'], tid: o['tid'],
        uid: o['userId'], name: o['name'], extended: o['extendedFields'], flags: o['flagFilter'], fullPath: o['fullPath'], errname: o['errname'] });
      break;
    case '--elf': cmd.option('--elf'); view = () => elfView(); break;
    case '--modules': cmd.option('--modules'); view = () => modulesView(); break;
    case '--readline': cmd.option('--readline'); view = () => readlineView(); break;
    case '--timeline': cmd.option('--timeline').option('--max-args <n>', '', int('--max-args'), 20); view = (o) => timelineView(o['maxArgs']); break;
    case '--tty':
      cmd.requiredOption('--tty <dev>', 'terminal').option('--escape', 'show the bytes escaped, as text');
      view = (o) => ttyView(o['tty'], { escape: o['escape'] });
      break;
    case '--shell':
      cmd.requiredOption('--shell <pid>', 'shell', int('--shell')).option('-s, --shell-only', 'the shell only, not its descendants').option('--escape', 'escaped text');
      view = (o) => shellView(o['shell'], !!o['shellOnly'], { escape: o['escape'] });
      break;
    case '--replay':
      cmd.requiredOption('--replay <pid>', 'shell', int('--replay')).option('-s, --shell-only', 'the shell only')
        .option('--speed <factor>', 'play this many times faster', (v) => { const n = Number(v); if (!(n > 0)) throw new InvalidArgumentError('--speed must be > 0'); return n; }, 1)
        .addOption(new Option('--format <fmt>', 'bash script or asciinema cast').choices(['bash', 'asciicast']).default('bash'))
        .option('--max-idle <s>', 'cut every pause to at most this many recorded seconds', (v) => { const n = Number(v); if (!(n >= 0)) throw new InvalidArgumentError('--max-idle must be >= 0'); return n; }, DEFAULT_MAX_IDLE)
        .option('-o, --output <file>', 'write the script here (mode 0700, not overwritten) instead of stdout');
      view = (o) => replayView(o['replay'], { speed: o['speed'], format: o['format'], maxIdle: o['maxIdle'] }, !!o['shellOnly']);
      break;
    case '--chart':
      cmd.addOption(new Option('--chart <kind>', 'chart').choices([...CHART_KINDS]).makeOptionMandatory())
        .requiredOption('-o, --output <file>', 'out.vl.json (Vega-Lite spec), out.svg or out.html (self-contained)')
        .option('--top <n>', 'processes in the top chart', int('--top'), 20);
      view = (o) => chartView({ kind: o['chart'], output: o['output'], top: o['top'] }, async (spec, ctx) => {
        const out: string = o['output'];
        const text = out.endsWith('.svg') ? await toSvg(spec) : out.endsWith('.html') ? toHtml(spec, String(spec.title ?? 'secanalyze')) : JSON.stringify(spec, null, 2);
        writeFileSync(out, text);
        ctx.warn(`wrote ${out} (${text.length} bytes)`);
      });
      break;
    default: fail(`unknown view ${which}`, EXIT.usage);
  }
  cmd.parse(process.argv);
  const o = cmd.opts();
  const file = cmd.args[0]!;
  const filters: Filters = {};
  if (o['pid'] !== undefined && which !== '--tree') filters.pid = o['pid'];
  if (o['comm'] !== undefined) filters.comm = o['comm'];
  if (o['uid'] !== undefined) filters.uid = o['uid'];
  let size = 0;
  try { size = statSync(file).size; } catch (e) { fail(`${file}: ${(e as Error).message}`, EXIT.error); }
  let bar: cliProgress.SingleBar | null = null;
  if (o['progress'] && process.stderr.isTTY && size > 16 << 20) {
    bar = new cliProgress.SingleBar({ stream: process.stderr, format: 'reading {bar} {percentage}% | {value}/{total} MiB', clearOnComplete: true }, cliProgress.Presets.shades_classic);
    bar.start(Math.ceil(size / (1 << 20)), 0);
  }
  let outFd: number | null = null;
  if (which === '--replay' && o['output']) {
    try { outFd = openSync(o['output'], C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o700); }
    catch (e) { fail(`cannot create ${o['output']}: ${(e as Error).message} (it is never overwritten)`, EXIT.error); }
    const fd = outFd;
    process.stdout.write = ((chunk: string | Uint8Array) => { writeFileSync(fd, chunk); return true; }) as typeof process.stdout.write;
  }
  const times: { since?: string; until?: string } = {};
  if (o['since'] !== undefined) times.since = o['since'];
  if (o['until'] !== undefined) times.until = o['until'];
  const ctx = await run(view(o), {
    file, json: !!o['json'], filters, times,
    progress: bar ? (n) => bar!.update(Math.floor(n / (1 << 20))) : undefined,
    warn: (m) => { bar?.stop(); process.stderr.write(`secanalyze: ${m}\n`); },
  } as Parameters<typeof run>[1]);
  bar?.stop();
  if (outFd !== null) closeSync(outFd);
  process.exitCode = ctx.reader.integrity().verdict === 'damaged' || ctx.reader.integrity().verdict === 'truncated' ? EXIT.damaged : EXIT.ok;
}

main().catch((e: unknown) => {
  if (e instanceof CaptureError) fail(e.message, EXIT.error);
  if (e instanceof Error && e.message.includes('EPIPE')) process.exit(0);
  fail(e instanceof Error ? e.message : String(e), EXIT.error);
});
