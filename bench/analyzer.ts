// bench/analyzer: secanalyze on generated captures of mixed events, side by side with another
// build (--before, e.g. the main checkout's dist) in one run: events/s, CPU seconds and peak RSS
// per view (GNU time), the ratio to `zstd -d` of the same file, and RSS at each size (flat?).
// A syscall-error storm (a synthetic stand-in for a recorded EACCES storm) gets its own rows, and
// each mixed capture a `--since` over its last 10 % (after: with --index, the index made first).
//   node dist/bench/analyzer.js [--before /work/main/dist/analyzer/cli.js] [--views '--info;--eperm'] [sizes=1000000,5000000,10000000] [storm=4000000]
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

function measure(cli: string, path: string, view: string[]): { wall: number; cpu: number; rssMb: number; ok: boolean } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', 'node', cli, path, ...view, '--no-progress'], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'ignore', 'pipe'] });
  const last = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  const [wall, user, sys, rssKb] = last as [number, number, number, number];
  return { wall, cpu: user + sys, rssMb: rssKb / 1024, ok: r.status === 0 };
}

console.log(`bench/analyzer: sizes ${sizes.join(', ')} mixed events, storm ${storm} (node ${process.version}, ${new Date().toISOString()})`);
console.log('| events | view | build | M events/s (wall) | M events/s (cpu) | vs zstd -d | peak RSS MB |');
console.log('|---|---|---|---|---|---|---|');
const cases: [string, number, () => Iterable<[RecordInit, BodyKind]>, string[][]][] = [
  ...sizes.map((n): [string, number, () => Iterable<[RecordInit, BodyKind]>, string[][]] => [`${n / 1e6}M mixed`, n, () => mixed(n), VIEWS]),
  ...(storm > 0 ? [[`${storm / 1e6}M EACCES storm`, storm, () => syscallErrors(storm), VIEWS.filter((v) => v[0] === '--info' || v[0] === '--eperm')] as [string, number, () => Iterable<[RecordInit, BodyKind]>, string[][]]] : []),
];
for (const [name, n, gen, views] of cases) {
  const path = join(dir, 'bench.cap');
  const lastTs = write(path, gen());
  const zstd = zstdSeconds(path);
  console.log(`| ${name} | zstd -d | | ${(n / zstd / 1e6).toFixed(2)} | | 1.0x | | (${(statSync(path).size / 2 ** 20).toFixed(0)} MiB file)`);
  for (const view of views) {
    for (const [build, cli] of builds) {
      const m = measure(cli, path, view);
      console.log(`| ${name} | ${view.join(' ')} | ${build} | ${(n / m.wall / 1e6).toFixed(2)} | ${(n / m.cpu / 1e6).toFixed(2)} | ${(m.wall / zstd).toFixed(1)}x | ${m.rssMb.toFixed(0)}${m.ok ? '' : ' (exit != 0)'} |`);
    }
  }
  if (views === VIEWS && !only) {
    // The last 10 %: events/s count the whole capture (what the run covers), as above.
    const since = ['--since', (lastTs * 0.9 / 1e9).toFixed(3)];
    const made = measure('dist/analyzer/cli.js', path, ['--eperm', ...since, '--index']);
    console.log(`| ${name} | (time index made by the first --index run) | after | ${(n / made.wall / 1e6).toFixed(2)} | ${(n / made.cpu / 1e6).toFixed(2)} | ${(made.wall / zstd).toFixed(1)}x | ${made.rssMb.toFixed(0)} |`);
    for (const view of [['--eperm', ...since], ['--opens', '--json', ...since]]) {
      for (const [build, cli] of builds) {
        const m = measure(cli, path, build === 'after' ? [...view, '--index'] : view);
        console.log(`| ${name} | ${view.join(' ')} (last 10 %) | ${build} | ${(n / m.wall / 1e6).toFixed(2)} | ${(n / m.cpu / 1e6).toFixed(2)} | ${(m.wall / zstd).toFixed(1)}x | ${m.rssMb.toFixed(0)}${m.ok ? '' : ' (exit != 0)'} |`);
      }
    }
    rmSync(`${path}.secidx`, { force: true });
  }
  rmSync(path);
}
