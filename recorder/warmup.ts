// Warm-up at start. V8 runs a function in its interpreter until it has been called often enough
// to be worth compiling, and the first records also pay for fresh heap pages; left to the first
// burst, that cost (measured: ~0.2 s of CPU on a 50 MB tty storm, 3x what the same storm costs
// once warm) lands when the host is busiest and the rings are filling. So before the probes'
// first records are read, every lane's transcoder handles sample records of each kind its
// families make, into a frame of its own that is then thrown away: nothing reaches the capture.
import { event_head as H } from './layout.gen.js';
import { RingEncoder } from './encode.js';
import { FrameBuffer } from './wire.js';
import { LaneTranscoder } from './transcode.js';
import type { DecodeContext } from './decode.js';
import type { Lane, ProbeFamily } from './probes/types.js';

/** A field value: width and signedness, as events.h declares the field. */
export type Field = ['u16' | 'u32' | 's32' | 'u64', number | bigint];
type Struct = { readonly $size: number; readonly [f: string]: number };

/** A ring record as the programs in bpf/ lay it out (offsets generated from the objects' BTF):
 * the head (ts 1 s after boot, pid 100, tid 101, ppid 1, uid and gid 1000, cpu 0, comm "bash",
 * size = the struct + tail), then the named fields, then the tail. */
export function ringRecord(struct: Struct, kind: number, fields: { [name: string]: Field } = {}, tail: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(struct.$size + tail.length);
  b.writeBigUInt64LE(RECORD_TS, H.ts);
  b.writeBigUInt64LE(77n, H.cgroup);
  b.writeUInt32LE(b.length, H.size);
  b.writeUInt16LE(kind, H.kind);
  b.writeUInt32LE(100, H.pid); b.writeUInt32LE(101, H.tid); b.writeUInt32LE(1, H.ppid);
  b.writeUInt32LE(1000, H.uid); b.writeUInt32LE(1000, H.gid); b.writeUInt32LE(0, H.cpu);
  b.write('bash', H.comm, 'latin1');
  for (const [name, [type, v]] of Object.entries(fields)) {
    const off = struct[name];
    if (off === undefined) throw new Error(`no field ${name} in this record`);
    if (type === 'u16') b.writeUInt16LE(Number(v), off);
    else if (type === 'u32') b.writeUInt32LE(Number(v), off);
    else if (type === 's32') b.writeInt32LE(Number(v), off);
    else b.writeBigUInt64LE(BigInt(v), off);
  }
  tail.copy(b, struct.$size);
  return b;
}

/** The head timestamp of ringRecord's records, in ns of CLOCK_MONOTONIC. */
export const RECORD_TS = 6_000_000_000n;

/** Rounds of every family's samples: enough for V8 to compile the hot paths (it starts after a
 * few hundred calls), little enough to take well under 100 ms. */
export const WARMUP_ROUNDS = 3000;

/** Runs each lane's records through a transcoder of its own; returns the records it made. */
export function warmUp(families: readonly ProbeFamily[], dctx: DecodeContext, rounds = WARMUP_ROUNDS): number {
  // V8 assumes no ArrayBuffer was ever detached until one is, then throws away all code compiled
  // under that assumption (every function that touches a Buffer): the frame writer detaches one
  // per frame it hands to its worker. Detach one first, so what is compiled here stays.
  const gone = new ArrayBuffer(8);
  structuredClone(gone, { transfer: [gone] });
  const frame = new FrameBuffer(4 << 20);
  const enc = new RingEncoder(dctx, frame);
  let made = 0;
  for (const lane of ['prio', 'bulk'] as Lane[]) {
    const fams = families.filter((f) => f.lane === lane);
    if (fams.length === 0) continue;
    const t = new LaneTranscoder(lane, fams, enc, dctx);
    const samples = fams.flatMap((f) => f.samples());
    // records sit at an unaligned offset inside a bigger view, as in the ring
    const view = Buffer.alloc(8 + samples.reduce((n, s) => n + s.length + 8, 0));
    const at: number[] = [];
    let p = 8;
    for (const [i, s] of samples.entries()) {
      s.copy(view, p);
      // times as the capture's records have them: seconds to hours after its start, past the
      // small integers V8 would otherwise compile the arithmetic for
      view.writeBigUInt64LE(dctx.clock.startMonoNs + BigInt(2e9 + 7e9 * i), p + H.ts);
      at.push(p);
      p += s.length + 8;
    }
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < samples.length; i++) t.handle(view, at[i]!, samples[i]!.length);
      if (frame.pos > (2 << 20)) { made += frame.records; frame.take(); }
    }
    made += frame.records;
    frame.take();
  }
  return made;
}
