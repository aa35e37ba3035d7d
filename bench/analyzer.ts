// bench/analyzer: secanalyze on a generated capture of N mixed events: records/s, CPU seconds and
// peak RSS per view (GNU time), and the ratio to `zstd -d` of the same file.
//   node dist/bench/analyzer.js [events=5000000]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, writeSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureWriter } from '../format/index.js';
import { mixed } from './synth.js';

const N = Number(process.argv[2] ?? 5_000_000);
const dir = mkdtempSync(join(tmpdir(), 'bench-analyzer-'));
const path = join(dir, 'big.cap');
const fd = openSync(path, 'w');
const w = new CaptureWriter((b) => { writeSync(fd, b); });
w.start({ hostname: 'bench', arch: 'x86_64', startWallSec: 1_700_000_000, timezone: 'UTC' });
for (const [r, k] of mixed(N)) w.add(r, k);
w.finish({ clean: true, reason: 'bench', lost: 0, ts: 0 });
closeSync(fd);
console.log(`bench/analyzer: ${N} events, ${(statSync(path).size / 2 ** 20).toFixed(1)} MiB capture (node ${process.version})`);

const t0 = process.hrtime.bigint();
execFileSync('sh', ['-c', `zstd -d -q -c '${path}' > /dev/null`]);
const zstd = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`zstd -d: ${zstd.toFixed(2)} s`);

for (const view of [['--info'], ['--tree'], ['--eperm'], ['--execs', '--json']]) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', 'node', 'dist/analyzer/cli.js', path, ...view, '--no-progress'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const last = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  const [wall, user, sys, rssKb] = last as [number, number, number, number];
  console.log(`${view.join(' ').padEnd(16)} ${(N / wall / 1e6).toFixed(2)} M events/s  wall ${wall.toFixed(2)} s  cpu ${(user + sys).toFixed(2)} s  peak RSS ${(rssKb / 1024).toFixed(0)} MB  vs zstd -d ${(wall / zstd).toFixed(1)}x`);
}
