// bench/writer: the capture writer on the consuming thread vs in a worker (issue 9). For a
// synthetic stream it prints records/s through the whole writer (finish included) and the CPU
// the adding thread spent per record, for Record objects (add) and for wire bytes already
// encoded (addEncoded, what the ring→protobuf transcoder hands over). Prints; asserts nothing.
//   node dist/bench/writer.js [records=1000000] [runs=3]
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureReader, CaptureWriter, ThreadedCaptureWriter, pb, type BodyKind, type CaptureWriterBase, type RecordInit } from '../format/index.js';
import { mixed } from './synth.js';

const N = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'bench-writer-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** CPU time of the calling thread, ns (the first field of schedstat). */
const threadCpu = (): number => Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]);
const processCpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) * 1000; };

const recs: [RecordInit, BodyKind][] = [...mixed(N)];
const encoded: [Uint8Array, BodyKind][] = recs.map(([r, k]) => [pb.Record.encode(r).finish(), k]);
const rawBytes = encoded.reduce((n, [b]) => n + b.length, 0);

type Mode = { name: string; threaded: boolean; wire: boolean };
const MODES: Mode[] = [
  { name: 'in-thread, add(Record)', threaded: false, wire: false },
  { name: 'worker,    add(Record)', threaded: true, wire: false },
  { name: 'in-thread, addEncoded', threaded: false, wire: true },
  { name: 'worker,    addEncoded', threaded: true, wire: true },
];

function once(m: Mode, path: string): { secs: number; consumerNs: number; totalNs: number; startMs: number } {
  rmSync(path, { force: true });
  const fd = openSync(path, 'wx', 0o600);
  // Steady state: the worker's start (a recorder pays it once, during setup) is timed apart.
  const s0 = process.hrtime.bigint();
  const w: CaptureWriterBase = m.threaded ? new ThreadedCaptureWriter(fd) : new CaptureWriter((b) => { writeSync(fd, b); });
  w.start({ hostname: 'bench', arch: 'x86_64' });
  w.drain();
  const startMs = Number(process.hrtime.bigint() - s0) / 1e6;
  const t0 = process.hrtime.bigint(); const c0 = threadCpu(); const p0 = processCpu();
  if (m.wire) for (const [b, k] of encoded) w.addEncoded(b, k);
  else for (const [r, k] of recs) w.add(r, k);
  w.finish({ clean: true, reason: 'bench', lost: 0, ts: 0 });
  const res = { secs: Number(process.hrtime.bigint() - t0) / 1e9, consumerNs: threadCpu() - c0, totalNs: processCpu() - p0, startMs };
  closeSync(fd);
  return res;
}

console.log(`bench/writer: ${N} mixed records (${(rawBytes / N).toFixed(1)} B/rec encoded), median of ${RUNS} runs, modes interleaved (node ${process.version})`);
const res = new Map(MODES.map((m) => [m.name, { secs: [] as number[], cons: [] as number[], tot: [] as number[], start: [] as number[] }]));
for (let i = 0; i < RUNS; i++) {
  for (const m of MODES) {
    const r = once(m, join(dir, 'w.cap'));
    const e = res.get(m.name)!;
    e.secs.push(r.secs); e.cons.push(r.consumerNs / N); e.tot.push(r.totalNs / N); e.start.push(r.startMs);
  }
}
// the last file must read intact, or the figures mean nothing
const check = new CaptureReader(join(dir, 'w.cap'));
let n = 0;
for await (const f of check.frames()) n += f.records.length;
if (check.integrity().verdict !== 'intact' || n !== N + 2) throw new Error(`bench output is not intact: ${check.integrity().text}, ${n} records`);
console.log('mode                      M rec/s   consumer-thread ns/rec   all threads ns/rec   start+header ms');
for (const m of MODES) {
  const e = res.get(m.name)!;
  console.log(`${m.name.padEnd(24)} ${(N / median(e.secs) / 1e6).toFixed(2).padStart(8)}   ${median(e.cons).toFixed(0).padStart(22)}   ${median(e.tot).toFixed(0).padStart(18)}   ${median(e.start).toFixed(0).padStart(15)}`);
}
console.log(`file ${(statSync(join(dir, 'w.cap')).size / N).toFixed(2)} B/rec`);
rmSync(dir, { recursive: true, force: true });
