// bench/render: CPU seconds of the views' text, --json and --csv output on one generated capture,
// this build against another (--before, e.g. an older commit built into /tmp), runs interleaved
// (before, after, before, after, …) so load from other work on the machine hits both alike;
// medians of --runs (default 3) and the after/before ratio.
//   node dist/bench/render.js --before /tmp/before/dist/analyzer/cli.js [--runs 3] [events=1000000]
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureWriter } from '../format/index.js';
import { mixed } from './synth.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args.splice(i, 2)[1] : undefined; };
const before = opt('--before');
const runs = Number(opt('--runs') ?? 3);
const n = Number(args[0] ?? 1_000_000);
const VIEWS = [['execs'], ['opens'], ['tree'], ['eperm'], ['execs', '--json'], ['opens', '--json'], ['opens', '--csv'], ['tree', '--json']];

const dir = mkdtempSync(join(tmpdir(), 'bench-render-'));
const path = join(dir, 'bench.cap');
const fd = openSync(path, 'w');
const w = new CaptureWriter((b) => { writeSync(fd, b); });
w.start({ hostname: 'bench', arch: 'x86_64', startWallSec: 1_700_000_000, timezone: 'UTC' });
for (const [r, k] of mixed(n)) w.add(r, k);
w.finish({ clean: true, reason: 'bench', lost: 0, ts: 0 });
closeSync(fd);

/** CPU seconds (user + sys) of one run, from GNU time; output to /dev/null. */
function cpu(cli: string, view: string[]): number | null {
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', 'node', cli, view[0]!, path, ...view.slice(1), '--no-progress'], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) return null; // e.g. --csv on a build without it
  const [u, s] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number) as [number, number];
  return u + s;
}
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };

console.log(`bench/render: ${n} mixed events, ${runs} interleaved runs per build (node ${process.version}, ${new Date().toISOString()})`);
console.log('| view | before CPU s (median) | after CPU s (median) | after/before |');
console.log('|---|---|---|---|');
const builds: [string, string][] = [...(before ? [['before', before] as [string, string]] : []), ['after', 'dist/analyzer/cli.js']];
for (const view of VIEWS) {
  const t = new Map<string, number[]>(builds.map(([b]) => [b, []]));
  for (let i = 0; i < runs; i++) for (const [b, cli] of builds) { const c = cpu(cli, view); if (c !== null) t.get(b)!.push(c); }
  const m = (b: string): number | null => (t.get(b)?.length ? median(t.get(b)!) : null);
  const [mb, ma] = [m('before'), m('after')];
  console.log(`| ${view.join(' ')} | ${mb?.toFixed(2) ?? '-'} | ${ma?.toFixed(2) ?? '-'} | ${mb && ma ? (ma / mb).toFixed(2) : '-'} |`);
}
rmSync(dir, { recursive: true, force: true });
