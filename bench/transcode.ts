// bench/transcode: the recorder's user-space cost per event, step by step, on synthetic ring
// records shaped like an EACCES storm (an open + a syscall error per denied open), with no
// kernel involved, so the figures repeat. Prints CPU µs per event for:
//   old path   reference decoder → RecordInit object → protobufjs encode (what 0.1 did per record)
//   new path   wire encoder straight into the frame buffer
//   + writer   the new path plus zstd level 3, SHA-256 chain and framing (the writer's share)
//   node dist/bench/transcode.js [events=1000000]
import { Clock } from '../recorder/decode.js';
import { RingEncoder } from '../recorder/encode.js';
import { FrameBuffer } from '../recorder/wire.js';
import { LaneTranscoder } from '../recorder/transcode.js';
import { FAMILIES } from '../recorder/probes/index.js';
import * as L from '../recorder/layout.gen.js';
import { CaptureWriter, Writer, pb } from '../format/index.js';

const N = Number(process.argv[2] ?? 1_000_000);
const START = 1_000_000_000n;
const clock = new Clock(START);
const ctx = { clock, maxArgs: 20, argBytes: 4095 };

// A ring-like area holding N records back to back (8-byte headers, 8-aligned), as the kernel lays them.
function ring(): { buf: Buffer; offs: Int32Array; sizes: Int32Array } {
  const path = Buffer.from('/tmp/bench-secret');
  const O = L.open_event, S = L.syscall_error_event, H = L.event_head;
  const openSize = O.$size + path.length;
  const per = ((openSize + 8 + 7) & ~7) + ((S.$size + 8 + 7) & ~7);
  const buf = Buffer.alloc(per * (N / 2 + 1));
  const offs = new Int32Array(N);
  const sizes = new Int32Array(N);
  let p = 0;
  for (let i = 0; i < N; i++) {
    const open = i % 2 === 0;
    const size = open ? openSize : S.$size;
    const at = p + 8;
    buf.writeUInt32LE(size, p);
    buf.writeBigUInt64LE(START + BigInt(i * 700), at + H.ts);
    buf.writeUInt32LE(size, at + H.size);
    buf.writeUInt16LE(open ? L.event_kind.EV_OPEN : L.event_kind.EV_SYSCALL_ERROR, at + H.kind);
    for (const f of ['pid', 'tid'] as const) buf.writeUInt32LE(4242, at + H[f]);
    buf.writeUInt32LE(65534, at + H.uid); buf.writeUInt32LE(65534, at + H.gid); buf.writeUInt32LE(4000, at + H.ppid);
    buf.write('open_storm', at + H.comm, 'latin1');
    if (open) {
      buf.writeInt32LE(-13, at + O.ret); buf.writeInt32LE(-100, at + O.dirfd); buf.writeUInt16LE(path.length, at + O.path_len);
      path.copy(buf, at + O.$size);
    } else {
      buf.writeUInt32LE(257, at + S.nr); buf.writeInt32LE(-13, at + S.ret);
    }
    offs[i] = at; sizes[i] = size;
    p += (size + 8 + 7) & ~7;
  }
  return { buf, offs, sizes };
}

function cpu(fn: () => void): number {
  const t0 = process.cpuUsage();
  fn();
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / N; // µs per event
}

const r = ring();
const sink = (_b: Buffer) => {};

const old = cpu(() => {
  let w = Writer.create();
  for (let i = 0; i < N; i++) {
    const off = r.offs[i]!;
    const kind = r.buf.readUInt16LE(off + L.event_head.kind);
    const fam = kind === L.event_kind.EV_OPEN ? FAMILIES.find((f) => f.name === 'open')! : FAMILIES.find((f) => f.name === 'syscall_error')!;
    const { rec } = fam.decoders[kind]!(r.buf, off, r.sizes[i]!, ctx);
    w.uint32(10).fork();
    pb.Record.encode(rec, w);
    w.ldelim();
    if (w.len > 1 << 20) { w.finish(); w = Writer.create(); }
  }
});

const fresh = () => {
  const frame = new FrameBuffer();
  const enc = new RingEncoder(ctx, frame);
  return { frame, t: new LaneTranscoder('bulk', FAMILIES, enc, ctx) };
};

const fast = cpu(() => {
  const { frame, t } = fresh();
  for (let i = 0; i < N; i++) {
    t.handle(r.buf, r.offs[i]!, r.sizes[i]!);
    if (frame.pos >= 1 << 20) frame.take();
  }
});

let bytes = 0;
const full = cpu(() => {
  const { frame, t } = fresh();
  const w = new CaptureWriter((b) => { bytes += b.length; sink(b); });
  for (let i = 0; i < N; i++) {
    t.handle(r.buf, r.offs[i]!, r.sizes[i]!);
    if (frame.pos >= 1 << 20) { const f = frame.take(); w.addFrame(f.raw, f.records, f.counts); }
  }
  const f = frame.take();
  w.addFrame(f.raw, f.records, f.counts);
});

console.log(`bench/transcode: ${N} synthetic ring records (EACCES storm shape), CPU per event on this thread`);
console.log(`  old path (decoder object + protobufjs):  ${old.toFixed(3)} µs`);
console.log(`  new path (wire encoder):                 ${fast.toFixed(3)} µs   (${(old / fast).toFixed(1)}x less)`);
console.log(`  new path + zstd + SHA-256 + framing:     ${full.toFixed(3)} µs   (writer share ${(full - fast).toFixed(3)} µs; ${(bytes / N).toFixed(2)} B/event)`);
