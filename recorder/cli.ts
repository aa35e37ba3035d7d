#!/usr/bin/env node
// secrec: record a suspect host. Progress and status on stderr; the capture to -o FILE or stdout.
import { Command, InvalidArgumentError, Option } from 'commander';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { isatty } from 'node:tty';
import { Recorder, SetupError, EXIT, RECORDER_VERSION, type Summary } from './session.js';
import { OutputError } from './output.js';
import { FAMILY_NAMES, offFlag } from './probes/index.js';
import { FORMER_PROBE_NAMES, probeName } from '../format/probes.js';
import { CAPS, DEFAULTS, type RecorderSettings } from './settings.js';

const here = dirname(fileURLToPath(import.meta.url));
const DEFAULT_OBJ_DIR = join(here, '..', '..', 'bpf', '.output');

function size(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(v.trim());
  if (!m) throw new InvalidArgumentError('expected a size like 512K, 100M or 2G');
  const mult = { '': 1, k: 1 << 10, m: 1 << 20, g: 1 << 30, t: 2 ** 40 }[m[2]!.toLowerCase() as ''];
  return Math.floor(Number(m[1]) * mult);
}

function duration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError('expected a duration like 30s, 5m or 1h');
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 's'];
}

function intIn(lo: number, hi: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < lo || n > hi) throw new InvalidArgumentError(`expected a whole number from ${lo} to ${hi}`);
    return n;
  };
}

function fmtBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

/** "eperm for syscall_error": former names that still work. */
const FORMER = Object.entries(FORMER_PROBE_NAMES).map(([former, name]) => `${former} for ${name}`).join(', ');

const program = new Command('secrec')
  .description('Record process, exec, file, terminal and permission events on this host with eBPF,\ninto a compressed capture that secanalyze reads anywhere.')
  .version(RECORDER_VERSION)
  .requiredOption('-o, --output <file>', "capture file to create (mode 0600, never overwritten without --force), or '-' for stdout")
  .option('-f, --force', 'replace an existing capture file (a symlink in its place is removed, never followed)', false)
  .option('-d, --duration <time>', 'stop after this long (e.g. 30s, 10m)', duration, 0)
  .option('--max-size <size>', 'stop once the capture reaches this size (e.g. 500M)', size, 0)
  .option('--probes <list>', `comma-separated probe families (${FAMILY_NAMES.join(',')}; ${FORMER})`, (v) => v.split(',').map((s) => probeName(s.trim())).filter(Boolean), [...FAMILY_NAMES])
  .option('--max-args <n>', `argv entries kept per exec (at most ${CAPS.maxArgs}; argc is always recorded)`, intIn(1, CAPS.maxArgs), DEFAULTS.maxArgs)
  .option('--arg-bytes <n>', `bytes kept of each argument (at most ${CAPS.argBytes}; a cut argument is marked)`, intIn(16, CAPS.argBytes), DEFAULTS.argBytes)
  .option('--args-bytes <n>', `argv bytes read per exec, all arguments together (at most ${CAPS.argsBytes})`, intIn(256, CAPS.argsBytes), DEFAULTS.argsBytes)
  .option('--write-bytes <n>', `bytes kept of each terminal write (at most ${CAPS.writeBytes}; the true length is always recorded)`, intIn(1, CAPS.writeBytes), DEFAULTS.writeBytes)
  .option('--path-bytes <n>', `bytes kept of each opened path (at most ${CAPS.pathBytes})`, intIn(16, CAPS.pathBytes), DEFAULTS.pathBytes)
  .option('--readline-bytes <n>', `bytes kept of each bash command line (at most ${CAPS.readlineBytes})`, intIn(16, CAPS.readlineBytes), DEFAULTS.readlineBytes)
  .option('--dir-depth <n>', `directory levels resolved for relative opens (at most ${CAPS.dirDepth})`, intIn(0, CAPS.dirDepth), DEFAULTS.dirDepth)
  .option('--stdio', 'also record every write to fd 1 and 2, not only to terminals', false)
  .option('--bash <path...>', 'more bash binaries to probe for readline (e.g. in a container)', [])
  .option('--ring-mb <n>', 'bulk lane (opens, syscall errors): kernel ring size in MiB, a power of two', intIn(1, 4096), DEFAULTS.ringBytes >> 20)
  .option('--prio-ring-mb <n>', 'priority lane (fork/exit, exec, tty, readline, modules): ring size in MiB, a power of two', intIn(1, 4096), DEFAULTS.prioRingBytes >> 20)
  .option('--spill-mb <n>', 'spill ring: where either lane overflows when its ring is full, in MiB, a power of two', intIn(1, 4096), DEFAULTS.spillRingBytes >> 20)
  .option('--flush-ms <ms>', 'longest delay from an event to the file (a frame is written at least this often)', intIn(10, 60_000), DEFAULTS.flushMs)
  .option('-q, --quiet', 'no status on stderr, only errors', false)
  .option('-v, --verbose', "show libbpf's own messages (verifier logs)", false)
  .addOption(new Option('--obj-dir <dir>', 'directory of the compiled BPF objects').default(DEFAULT_OBJ_DIR))
  .addOption(new Option('--frame-bytes <n>', 'uncompressed bytes per zstd frame').argParser(size).default(DEFAULTS.frameBytes).hideHelp());

/** --no-syscall-error sets o.syscallError (commander's key for a flag). */
const keyOf = (name: string): string => name.replace(/_(\w)/g, (_m, ch: string) => ch.toUpperCase());
for (const name of FAMILY_NAMES) program.option(offFlag(name), `do not attach the ${name} probes`);
for (const [former, name] of Object.entries(FORMER_PROBE_NAMES)) program.option(offFlag(former), `the same as ${offFlag(name)} (its former name)`);

program.addHelpText('after', `
Examples:
  secrec -o incident.cap                    record until Ctrl-C
  secrec -o incident.cap -d 10m --max-size 1G
  secrec -o - | ssh analyst@host 'cat > incident.cap'
  secrec -o incident.cap --no-tty --probes exec,proc,syscall_error

Exit codes: 0 recorded and closed cleanly; 1 error while recording; 2 usage; 3 this host cannot
record (not root, no BTF, objects not built, kernel too old); 4 output refused (the file exists,
a symlink at it or in its directory path, a directory others can write, a terminal on stdout);
5 no probe could be attached.`);

program.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT.usage));
program.parse();
const o = program.opts();

const ringBytes = o['ringMb'] * (1 << 20);
const prioRingBytes = o['prioRingMb'] * (1 << 20);
const spillRingBytes = o['spillMb'] * (1 << 20);
for (const [flag, v] of [['--ring-mb', ringBytes], ['--prio-ring-mb', prioRingBytes], ['--spill-mb', spillRingBytes]] as const) {
  if ((v & (v - 1)) !== 0) { console.error(`secrec: ${flag} must be a power of two`); process.exit(EXIT.usage); }
}
const unknown = (o['probes'] as string[]).filter((p) => !FAMILY_NAMES.includes(p));
if (unknown.length) { console.error(`secrec: unknown probe ${unknown.join(', ')} (known: ${FAMILY_NAMES.join(', ')})`); process.exit(EXIT.usage); }

/** --no-NAME, or --no-FORMER for a family's former name. */
const off = (p: string): boolean => o[keyOf(p)] === false || Object.entries(FORMER_PROBE_NAMES).some(([former, name]) => name === p && o[keyOf(former)] === false);

const settings: RecorderSettings = {
  output: o['output'], force: o['force'], durationMs: o['duration'], maxSize: o['maxSize'],
  probes: (o['probes'] as string[]).filter((p) => !off(p)),
  maxArgs: o['maxArgs'], argBytes: o['argBytes'], argsBytes: o['argsBytes'], writeBytes: o['writeBytes'], pathBytes: o['pathBytes'],
  readlineBytes: o['readlineBytes'], dirDepth: o['dirDepth'], stdio: o['stdio'], ringBytes, prioRingBytes, spillRingBytes,
  bash: o['bash'], quiet: o['quiet'], verbose: o['verbose'], frameBytes: o['frameBytes'], flushMs: o['flushMs'],
  objDir: o['objDir'], argv: process.argv.slice(1),
};

const log = (msg: string): void => { if (!settings.quiet) process.stderr.write(`secrec: ${msg}\n`); };
const rec = new Recorder(settings, log);
// Handlers first: a signal during set-up (1-5 s of loading) must end with a valid file, not kill.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => rec.stop(`signal ${sig}`));
let started: boolean;
try {
  started = await rec.setup();
} catch (e) {
  process.stderr.write(`secrec: ${(e as Error).message}\n`);
  process.exit(e instanceof SetupError || e instanceof OutputError ? e.exitCode : EXIT.error);
}
const live = isatty(2) && !settings.quiet;
let last = { events: 0, t: 0 };
if (started) log(`recording to ${settings.output === '-' ? '<stdout>' : settings.output}; stop with Ctrl-C`);
const summary: Summary = !started ? rec.finish() : await rec.run((s) => {
  if (!live) return;
  const rate = (s.events - last.events) / Math.max(s.seconds - last.t, 1e-3);
  last = { events: s.events, t: s.seconds };
  process.stderr.write(`\r\x1b[K${s.seconds.toFixed(0)}s  ${s.events} events (${rate.toFixed(0)}/s)  ${fmtBytes(s.bytes)} written  lost ${s.lost}`);
});
if (live) process.stderr.write('\n');
if (!settings.quiet || !summary.clean) {
  // Every figure is of what reached the output: the writer counts a frame once it is fully written.
  const counts = [...summary.counts].filter(([k]) => k !== 'header' && k !== 'trailer').map(([k, n]) => `${k} ${n}`).join(', ');
  process.stderr.write(`secrec: stopped (${summary.reason}) after ${summary.seconds.toFixed(1)}s: ${summary.records} records (${counts || 'none'}), ` +
    `${summary.lost} lost (priority lane ${summary.lostByLane.prio}, bulk lane ${summary.lostByLane.bulk}); written: ${fmtBytes(summary.bytes)} in ${summary.frames} frames; set-up took ${summary.setupSeconds.toFixed(2)}s\n`);
  if (!summary.clean) process.stderr.write('secrec: records after the last written frame were not saved\n');
  if (summary.frames > 0) process.stderr.write(`secrec: SHA-256 chain ${summary.chain} (note it in the ticket: secanalyze --info shows it)\n`);
  if (summary.malformed) process.stderr.write(`secrec: ${summary.malformed} malformed kernel records (kept in the capture as malformed records)\n`);
}
process.exit(summary.clean ? EXIT.ok : EXIT.error);
