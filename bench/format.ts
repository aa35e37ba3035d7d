// bench/format: encode+compress and decompress+decode throughput, bytes/record, and the read
// time against `zstd -d` of the same file. Prints figures; asserts nothing.
//   node dist/bench/format.js [records=1000000] [runs=3]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, writeSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureReader, CaptureWriter, type BodyKind, type RecordInit } from '../format/index.js';
import { mixed, syscallErrors } from './synth.js';

const N = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'bench-format-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

function write(path: string, gen: Iterable<[RecordInit, BodyKind]>): { secs: number; cpu: number; records: number } {
  const recs = [...gen]; // generation is not what we measure
  const fd = openSync(path, 'w');
  const w = new CaptureWriter((b) => { writeSync(fd, b); });
  const t0 = process.hrtime.bigint(); const c0 = cpu();
  w.start({ hostname: 'bench', arch: 'x86_64' });
  for (const [r, k] of recs) w.add(r, k);
  w.finish({ clean: true, reason: 'bench', lost: 0, ts: 0 });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9; const c = cpu() - c0;
  closeSync(fd);
  return { secs, cpu: c, records: recs.length };
}

async function read(path: string): Promise<{ secs: number; records: number }> {
  const t0 = process.hrtime.bigint();
  const r = new CaptureReader(path);
  let n = 0;
  for await (const f of r.frames()) n += f.records.length;
  return { secs: Number(process.hrtime.bigint() - t0) / 1e9, records: n };
}

function zstdD(path: string): number {
  const t0 = process.hrtime.bigint();
  execFileSync('zstd', ['-d', '-q', '-c', path], { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 });
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

console.log(`bench/format: ${N} records, median of ${RUNS} runs (node ${process.version})`);
for (const [name, gen] of [['mixed', () => mixed(N)], ['syscall-errors', () => syscallErrors(N)]] as const) {
  const path = join(dir, `${name}.cap`);
  const ws: number[] = []; const wc: number[] = []; const rs: number[] = []; const zs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const w = write(path, gen());
    ws.push(w.secs); wc.push(w.cpu);
    rs.push((await read(path)).secs);
    zs.push(zstdD(path));
  }
  const size = statSync(path).size;
  const raw = Number(execFileSync('sh', ['-c', `zstd -dc '${path}' | wc -c`]).toString().trim());
  const rd = median(rs); const zd = median(zs);
  console.log(`${name.padEnd(15)} write ${(N / median(ws) / 1e6).toFixed(2)} M rec/s (${(raw / median(ws) / 2 ** 20).toFixed(0)} MiB/s raw, cpu ${median(wc).toFixed(2)} s)` +
    ` | read ${(N / rd / 1e6).toFixed(2)} M rec/s (${(raw / rd / 2 ** 20).toFixed(0)} MiB/s)` +
    ` | zstd -d ${zd.toFixed(3)} s, read/zstd ${(rd / zd).toFixed(2)}x` +
    ` | ${(size / N).toFixed(2)} B/rec compressed, ${(raw / N).toFixed(1)} B/rec raw, ratio ${(raw / size).toFixed(1)}`);
}
