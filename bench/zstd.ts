// zstd decompression: zstd-napi (native) vs zstddec (wasm, the fallback) on the data frames of a
// synthetic capture, side by side in one process. Prints figures; asserts nothing.
// node dist/bench/zstd.js [events=1000000]
import { newInflater, initWasm, type ZstdBackend } from '../format/zstd.js';
import { CaptureWriter, DATA_PREFIX_LEN, MAGIC_LEN, decodeDataPrefix } from '../format/index.js';
import { mixed } from './synth.js';

const n = Number(process.argv[2] ?? 1_000_000);
const chunks: Buffer[] = [];
const w = new CaptureWriter((b) => { chunks.push(Buffer.from(b)); });
w.start({ hostname: 'bench', arch: 'x86_64', startWallSec: 1_700_000_000, timezone: 'UTC' });
for (const [r, k] of mixed(n)) w.add(r, k);
w.finish({ clean: true, reason: 'bench', lost: 0, ts: 0 });
const file = Buffer.concat(chunks);

const frames: { z: Buffer; size: number }[] = [];
for (let at = MAGIC_LEN; at + DATA_PREFIX_LEN <= file.length;) {
  const p = decodeDataPrefix(file, at);
  if (p === null) break;
  frames.push({ z: file.subarray(at + DATA_PREFIX_LEN, at + DATA_PREFIX_LEN + p.compressedLen), size: p.uncompressedLen });
  at += DATA_PREFIX_LEN + p.compressedLen;
}
const raw = frames.reduce((a, f) => a + f.size, 0);
console.log(`${n} events: ${frames.length} frames, ${(raw / 2 ** 20).toFixed(1)} MiB raw, ${(file.length / 2 ** 20).toFixed(1)} MiB file`);

await initWasm();
const out = Buffer.alloc(Math.max(...frames.map((f) => f.size)));
const backends: ZstdBackend[] = ['zstd-napi', 'zstddec'];
const best = new Map<ZstdBackend, number>();
for (let round = 0; round < 5; round++) {
  for (const b of backends) {
    const inf = newInflater(b);
    const t = process.hrtime.bigint();
    for (const f of frames) inf.decompress(out.subarray(0, f.size), f.z);
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    best.set(b, Math.min(best.get(b) ?? Infinity, s));
  }
}
for (const b of backends) console.log(`${b.padEnd(10)} ${(raw / 2 ** 20 / best.get(b)!).toFixed(0)} MiB/s (best of 5: ${best.get(b)!.toFixed(3)} s)`);
console.log(`zstddec / zstd-napi: ${(best.get('zstddec')! / best.get('zstd-napi')!).toFixed(2)}x the time`);
