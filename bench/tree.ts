// bench/tree: --tree and --execs over many processes. `snapshot` writes N processes alive at the
// start, in shuffled order (children before parents, so the snapshot's orphans get adopted);
// `forks` writes N short-lived processes (fork, exec, exit) under a few shells. Prints wall
// time, CPU time (user + sys: the figure to compare on a loaded machine) and peak RSS per view,
// medians of RUNS runs (default 1).
//   node dist/bench/tree.js [snapshot|forks] [N=100000]
//   BEFORE=DIR   also run DIR/dist/analyzer/cli.js (another checkout, built), interleaved with this
//                one so a loaded machine weighs on both alike; prints both and whether outputs match
//   VIEWS='--tree;--tree --all'   the views (default: --tree and --execs)
//   KEEP=1       keep the capture (its path is printed)
// Figures (issues 13, 15; 2 loaded CPUs, node 20; medians of 3, before = f54aa11, interleaved):
//   RUNS=3 VIEWS='--tree;--tree --all' BEFORE=<f54aa11 built> node dist/bench/tree.js snapshot 100000 (then 1000000)
//                     CPU s before -> after   wall s before -> after   peak RSS MB before -> after
//   100k --tree        2.67 -> 2.26            1.91 -> 1.75             190 -> 189
//   100k --tree --all  3.11 -> 2.54            2.39 -> 1.91             191 -> 200
//   1M   --tree       20.50 -> 16.28          20.39 -> 16.67            930 -> 874
//   1M   --tree --all 32.92 -> 25.59          33.87 -> 26.26           1197 -> 1094
//   Heap after the tree is built (gc'd): 449 -> 441 bytes per process at 1M.
// Issue 15 (typed-array process table, ProcessSnapshot on the lazy decoder; before = 676c400,
// interleaved, load average ~10 on 2 CPUs so wall is inflated: compare CPU; 5M: one run each):
//   RUNS=3 BEFORE=<676c400 built> node dist/bench/tree.js snapshot 100000 (then 1000000; RUNS=1 5000000)
//                     CPU s before -> after   wall s before -> after   peak RSS MB before -> after
//   100k --tree        2.76 -> 1.73             7.49 -> 4.94             154 -> 118
//   100k --execs       2.47 -> 1.39             5.92 -> 3.09             152 -> 112
//   1M   --tree       18.22 -> 9.61            50.55 -> 20.71            624 -> 329
//   1M   --execs      16.75 -> 7.76            39.84 -> 21.56            613 -> 280
//   5M   --tree      133.69 -> 41.72          332.93 -> 93.47           2789 -> 1444
//   5M   --execs     136.26 -> 28.17          319.26 -> 39.82           2493 -> 1091
//   Outputs identical at each size. Later, load average ~2 (RUNS=3, 100k): --tree CPU 2.04 -> 1.34 s,
//   wall 2.02 -> 1.39 s; --execs CPU 1.82 -> 1.13 s, wall 1.86 -> 1.17 s; forks 100k identical too.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureWriter } from '../format/index.js';

const MODE = process.argv[2] === 'forks' ? 'forks' : 'snapshot';
const N = Number(process.argv[3] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'bench-tree-'));
const path = join(dir, 'tree.cap');
const fd = openSync(path, 'w');
const w = new CaptureWriter((b) => { writeSync(fd, b); });
w.start({ hostname: 'bench', arch: 'x86_64', startWallSec: 1_700_000_000, timezone: 'UTC' });
let seed = 1;
const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
const comm = Buffer.from('worker');
if (MODE === 'snapshot') {
  // parent of process i (pid i + 2) is a random earlier one: a random recursive tree, depth ~ ln N
  const order = Array.from({ length: N }, (_, i) => i);
  for (let i = N - 1; i > 0; i--) { const j = rand(i + 1); [order[i], order[j]] = [order[j]!, order[i]!]; }
  for (const i of order) {
    const pid = i + 2;
    const ppid = i === 0 ? 1 : rand(i) + 2;
    w.add({ ts: 0, pid, tid: pid, ppid, comm, process: { start: i, exe: Buffer.from('/usr/bin/worker'), argv: [comm, Buffer.from(`--id=${i}`)] } }, 'process');
  }
  // a little activity so that the default (active processes and their ancestors) shows a tree
  for (let i = 0; i < N; i += 10) w.add({ ts: 1000 + i, pid: i + 2, tid: i + 2, ppid: 0, comm, open: { path: Buffer.from('/etc/passwd'), ret: 3 } }, 'open');
} else {
  let ts = 0;
  for (let i = 0; i < N; i++) {
    const shell = 100 + (i % 8);
    const pid = 1000 + (i % 4_000_000_000);
    ts += 1000;
    w.add({ ts, pid: shell, tid: shell, ppid: 1, comm: Buffer.from('bash'), fork: { childPid: pid, childTid: pid } }, 'fork');
    w.add({ ts: ts + 1, pid, tid: pid, ppid: shell, comm, exec: { filename: Buffer.from('/usr/bin/worker'), argv: [comm, Buffer.from(`--id=${i}`)] } }, 'exec');
    w.add({ ts: ts + 2, pid, tid: pid, ppid: shell, comm, exit: { code: 0, start: ts } }, 'exit');
  }
}
w.finish({ clean: true, reason: 'bench', lost: 0, ts: 0 });
closeSync(fd);
console.log(`bench/tree: ${MODE}, ${N} processes, ${(statSync(path).size / 2 ** 20).toFixed(1)} MiB capture (node ${process.version})`);
const RUNS = Math.max(1, Number(process.env.RUNS ?? 1));
const VIEWS = (process.env.VIEWS ?? '--tree;--execs').split(';').map((v) => v.trim().split(/\s+/));
const CLIS: Array<[string, string]> = [['', 'dist/analyzer/cli.js']];
if (process.env.BEFORE) CLIS.unshift(['before ', join(process.env.BEFORE, 'dist/analyzer/cli.js')]);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
for (const view of VIEWS) {
  const runs = CLIS.map(() => ({ wall: [] as number[], cpu: [] as number[], rss: [] as number[], out: '', status: 0 as number | null }));
  for (let k = 0; k < RUNS; k++) {
    CLIS.forEach(([, cli], i) => {
      const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', 'node', cli, path, ...view, '--no-progress'], { encoding: 'utf8', maxBuffer: 1 << 30 });
      const [wall, user, sys, rssKb] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number, number];
      const s = runs[i]!;
      s.wall.push(wall); s.cpu.push(user + sys); s.rss.push(rssKb / 1024); s.out = r.stdout; s.status = r.status;
    });
  }
  CLIS.forEach(([name], i) => {
    const s = runs[i]!;
    console.log(`${(name + view.join(' ')).padEnd(20)} wall ${median(s.wall).toFixed(2)} s  cpu ${median(s.cpu).toFixed(2)} s  peak RSS ${median(s.rss).toFixed(0)} MB  exit ${s.status}  ${s.out.length} bytes out${RUNS > 1 ? `  (median of ${RUNS}; cpu ${s.cpu.map((x) => x.toFixed(2)).join(' ')})` : ''}`);
  });
  if (CLIS.length > 1) console.log(`${''.padEnd(20)} output ${runs[0]!.out === runs[1]!.out ? 'identical' : 'DIFFERS'}`);
}
if (process.env.KEEP) console.log(`capture kept: ${path}`); else rmSync(dir, { recursive: true, force: true });
