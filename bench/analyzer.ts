// bench/analyzer: secanalyze on generated captures of mixed events, side by side with another
// build (--before, e.g. the main checkout's dist) in one run: events/s, CPU seconds and peak RSS
// per view (GNU time), the ratio to `zstd -d` of the same file, and RSS at each size (flat?).
// A syscall-error storm (a synthetic stand-in for a recorded EACCES storm) gets its own rows, and
// each mixed capture a `--since` over its last 10 % (after: with --index, the index made first).
// A capture recorded from a real EACCES storm (bench/record-storm.sh makes one) gets rows with --recorded.
//   node dist/bench/analyzer.js [--before /work/main/dist/analyzer/cli.js] [--views '--info;--eperm'] [--recorded /dev/shm/storm.cap] [sizes=1000000,5000000,10000000] [storm=4000000]
//   The issue's table, before and after, in one command (a base build of main beside this one):
//   RUNS=3 TMPDIR=/dev/shm node dist/bench/analyzer.js --before ../h5f-base/dist/analyzer/cli.js --recorded /dev/shm/storm.cap
//   RUNS=3: each figure the median of 3 runs, the builds alternating run by run (a loaded machine weighs on both alike);
//   the CPU column (user + sys) is the one to compare on a shared machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, writeSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureWriter, type BodyKind, type RecordInit } from '../format/index.js';
import { mixed, syscallErrors } from './synth.js';

const args = process.argv.slice(2);
const bi = args.indexOf('--before');
const before = bi >= 0 ? args.splice(bi, 2)[1] : undefined;
const vi = args.indexOf('--views');
const only = vi >= 0 ? args.splice(vi, 2)[1]!.split(';').map((v) => v.split(' ')) : undefined;
const ri = args.indexOf('--recorded');
const recorded = ri >= 0 ? args.splice(ri, 2)[1] : undefined;
const sizes = (args[0] ?? '1000000,5000000,10000000').split(',').map(Number);
const storm = Number(args[1] ?? 4_000_000);
const dir = mkdtempSync(join(tmpdir(), 'bench-analyzer-'));
const builds: [string, string][] = [...(before ? [['before', before] as [string, string]] : []), ['after', 'dist/analyzer/cli.js']];
const VIEWS = only ?? [['--info'], ['--eperm'], ['--tree'], ['--execs', '--json'], ['--opens', '--json']];

/** Writes the capture; returns its last record time (ns since the start). */
function write(path: string, gen: Iterable<[RecordInit, BodyKind]>): number {
  const fd = openSync(path, 'w');
  const w = new CaptureWriter((b) => { writeSync(fd, b); });
  w.start({ hostname: 'bench', arch: 'x86_64', startWallSec: 1_700_000_000, timezone: 'UTC' });
  let last = 0;
  for (const [r, k] of gen) { w.add(r, k); last = Math.max(last, Number(r.ts ?? 0)); }
  w.finish({ clean: true, reason: 'bench', lost: 0, ts: 0 });
  closeSync(fd);
  return last;
}

function zstdSeconds(path: string): number {
  const t0 = process.hrtime.bigint();
  execFileSync('sh', ['-c', `zstd -d -q -c '${path}' > /dev/null`]);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const RUNS = Math.max(1, Number(process.env['RUNS'] ?? 1));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
type Figures = { wall: number; cpu: number; rssMb: number; ok: boolean };

/** Every build on one view, RUNS times, alternating; medians per build. */
function measureAll(clis: [string, string][], path: string, view: (build: string) => string[]): Figures[] {
  const runs = clis.map((): Figures[] => []);
  for (let k = 0; k < RUNS; k++) clis.forEach(([build, cli], i) => runs[i]!.push(measure(cli, path, view(build))));
  return runs.map((rs) => ({ wall: median(rs.map((r) => r.wall)), cpu: median(rs.map((r) => r.cpu)), rssMb: median(rs.map((r) => r.rssMb)), ok: rs.every((r) => r.ok) }));
}

function measure(cli: string, path: string, view: string[]): Figures {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', 'node', cli, path, ...view, '--no-progress'], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'ignore', 'pipe'] });
  const last = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  const [wall, user, sys, rssKb] = last as [number, number, number, number];
  return { wall, cpu: user + sys, rssMb: rssKb / 1024, ok: r.status === 0 };
}

console.log(`bench/analyzer: sizes ${sizes.join(', ')} mixed events, storm ${storm} (node ${process.version}, ${new Date().toISOString()})`);
console.log(`| events | view | build | M events/s (wall) | M events/s (cpu) | CPU s | vs zstd -d (wall) | peak RSS MB |${RUNS > 1 ? ` (medians of ${RUNS})` : ''}`);
console.log('|---|---|---|---|---|---|---|---|');
const cases: [string, number, () => Iterable<[RecordInit, BodyKind]>, string[][]][] = [
  ...sizes.map((n): [string, number, () => Iterable<[RecordInit, BodyKind]>, string[][]] => [`${n / 1e6}M mixed`, n, () => mixed(n), VIEWS]),
  ...(storm > 0 ? [[`${storm / 1e6}M EACCES storm`, storm, () => syscallErrors(storm), VIEWS.filter((v) => v[0] === '--info' || v[0] === '--eperm')] as [string, number, () => Iterable<[RecordInit, BodyKind]>, string[][]]] : []),
];
if (recorded) {
  const records = Number(/^Records:\s+(\d+)/m.exec(execFileSync('node', ['dist/analyzer/cli.js', recorded, '--info'], { encoding: 'utf8' }))?.[1]);
  cases.push([`recorded EACCES storm (${(records / 1e6).toFixed(1)}M records)`, records, () => [], VIEWS.filter((v) => v[0] === '--info' || v[0] === '--eperm')]);
}
for (const [name, n, gen, views] of cases) {
  const path = name.startsWith('recorded') ? recorded! : join(dir, 'bench.cap');
  const lastTs = path === recorded ? 0 : write(path, gen());
  const zstd = median(Array.from({ length: RUNS }, () => zstdSeconds(path)));
  const row = (view: string, build: string, m: Figures): void => console.log(`| ${name} | ${view} | ${build} | ${(n / m.wall / 1e6).toFixed(2)} | ${(n / m.cpu / 1e6).toFixed(2)} | ${m.cpu.toFixed(2)} | ${(m.wall / zstd).toFixed(1)}x | ${m.rssMb.toFixed(0)}${m.ok ? '' : ' (exit != 0)'} |`);
  console.log(`| ${name} | zstd -d | | ${(n / zstd / 1e6).toFixed(2)} | | | 1.0x | | (${(statSync(path).size / 2 ** 20).toFixed(0)} MiB file)`);
  for (const view of views) measureAll(builds, path, () => view).forEach((m, i) => row(view.join(' '), builds[i]![0], m));
  if (views === VIEWS && !only) {
    // The last 10 %: events/s count the whole capture (what the run covers), as above.
    const since = ['--since', (lastTs * 0.9 / 1e9).toFixed(3)];
    row('(time index made by the first --index run)', 'after', measure('dist/analyzer/cli.js', path, ['--eperm', ...since, '--index']));
    for (const view of [['--eperm', ...since], ['--opens', '--json', ...since]]) {
      measureAll(builds, path, (build) => (build === 'after' ? [...view, '--index'] : view)).forEach((m, i) => row(`${view.join(' ')} (last 10 %)`, builds[i]![0], m));
    }
    rmSync(`${path}.secidx`, { force: true });
  }
  if (path !== recorded) rmSync(path);
}
