// Synthetic kernel ring records for the recorder tests, laid out by the offsets generated from the
// objects' BTF (recorder/layout.gen.ts), as the programs in bpf/ write them. No root needed.
import * as L from '../../recorder/layout.gen.js';
import { Clock, type DecodeContext } from '../../recorder/decode.js';
import { RingEncoder } from '../../recorder/encode.js';
import { FrameBuffer } from '../../recorder/wire.js';
import { LaneTranscoder } from '../../recorder/transcode.js';
import { FAMILIES } from '../../recorder/probes/index.js';
import { pb, type CaptureRecord } from '../../format/index.js';

export const K = L.event_kind;
export const START = 5_000_000_000n;
export const ctx: DecodeContext = { clock: new Clock(START), maxArgs: 20, argBytes: 4095 };

// Random valid records of every kind (edge values, empty and full-size tails).
let seed = 7;
// the high bits: an LCG's low bits repeat with a short period (seed % 2 alternates), which made
// every exec record a successful one with no arguments
const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed >>> 16) % n; };
const pick = <T>(xs: T[]): T => xs[rnd(xs.length)]!;
const U32 = [0, 1, 127, 128, 16383, 16384, 65535, 0x7fffffff, 0xffffffff];

export function headOf(kind: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  const H = L.event_head;
  b.writeBigUInt64LE(START + BigInt(pick([0, 1, 999, 123456789, 2 ** 40])), H.ts);
  b.writeBigUInt64LE(BigInt(pick([0, 1, 4242, 2 ** 40])), H.cgroup);
  b.writeUInt32LE(size, H.size);
  b.writeUInt16LE(kind, H.kind);
  for (const f of ['pid', 'tid', 'ppid', 'uid', 'gid', 'cpu'] as const) b.writeUInt32LE(pick(U32), H[f]);
  b.write(pick(['', 'bash', 'x'.repeat(15), 'sixteen-chars-xx']), H.comm, 16, 'latin1');
  return b;
}

function bytes(n: number): Buffer { return Buffer.from(Array.from({ length: n }, () => rnd(256))); }
function text(n: number): Buffer { return Buffer.from(Array.from({ length: n }, () => 1 + rnd(255))); }

/** One random, valid ring record of each kind. */
export const MAKERS: { [k: number]: () => Buffer } = {
  [K.EV_FORK]: () => { const b = headOf(K.EV_FORK, L.fork_event.$size); b.writeUInt32LE(pick(U32), L.fork_event.child_pid); b.writeUInt32LE(pick(U32), L.fork_event.child_tid); b.writeUInt32LE(rnd(2), L.fork_event.thread); return b; },
  [K.EV_EXIT]: () => {
    const b = headOf(K.EV_EXIT, L.exit_event.$size);
    b.writeInt32LE(pick([0, 1 << 8, 255 << 8, 9, 0x80 | 11, 127 << 8]), L.exit_event.exit_code);
    b.writeBigUInt64LE(START + BigInt(pick([-4e9, -1, 0, 5, 1e12])), L.exit_event.start_ns);
    return b;
  },
  [K.EV_SYSCALL_ERROR]: () => { const b = headOf(K.EV_SYSCALL_ERROR, L.syscall_error_event.$size); b.writeUInt32LE(pick([0, 2, 257, 435]), L.syscall_error_event.nr); b.writeInt32LE(pick([-1, -13]), L.syscall_error_event.ret); b.writeUInt32LE(rnd(2), L.syscall_error_event.compat); return b; },
  [K.EV_OPEN]: () => {
    const path = text(pick([0, 1, 30, 127, 128, 4095]));
    const comps = Array.from({ length: pick([0, 1, 3, 24]) }, () => Buffer.concat([text(1 + rnd(40)), Buffer.alloc(1)]));
    const dir = Buffer.concat(comps);
    const O = L.open_event;
    const b = headOf(K.EV_OPEN, O.$size + path.length + dir.length);
    b.writeInt32LE(pick([-2, -13, 0, 3, 1023]), O.ret); b.writeInt32LE(pick([-100, 3]), O.dirfd);
    b.writeUInt32LE(pick(U32), O.flags); b.writeUInt32LE(pick([0, 0o644, 0o7777]), O.mode);
    b.writeBigUInt64LE(BigInt(pick([0, 4, 0x1f])), O.resolve); b.writeUInt16LE(rnd(3), O.call);
    b.writeUInt16LE(rnd(4), O.oflags); b.writeUInt16LE(path.length, O.path_len); b.writeUInt16LE(dir.length, O.dir_len);
    path.copy(b, O.$size); dir.copy(b, O.$size + path.length);
    return b;
  },
  [K.EV_TTY]: () => {
    const T = L.tty_event;
    const data = bytes(pick([0, 1, 31, 32, 4096, 65535]));
    const b = headOf(K.EV_TTY, T.$size + data.length);
    b.writeUInt32LE(pick([0, (136 << 20) | 3]), T.rdev); b.writeUInt32LE(pick([1, 2, 7]), T.fd);
    b.writeBigUInt64LE(BigInt(data.length + pick([0, 1, 2 ** 40])), T.len); b.writeUInt32LE(data.length, T.data_len);
    b.writeUInt16LE(rnd(4), T.call); b.writeUInt16LE(rnd(2), T.is_tty); b.writeUInt16LE(pick([0, 24, 65535]), T.rows);
    b.writeUInt16LE(pick([0, 80, 300]), T.cols); b.writeUInt16LE(rnd(2), T.tflags);
    data.copy(b, T.$size);
    return b;
  },
  [K.EV_EXEC]: () => {
    const E = L.exec_event;
    const fn = text(pick([0, 9, 4095])), interp = text(pick([0, 7])), mount = text(pick([0, 1, 255]));
    const args = Array.from({ length: pick([0, 1, 3, 21]) }, () => text(pick([0, 0, 5, 4095])));
    const blob = Buffer.concat(args.flatMap((a) => [a, Buffer.alloc(1)]));
    const b = headOf(K.EV_EXEC, E.$size + fn.length + interp.length + mount.length + blob.length);
    const failed = rnd(2);
    b.writeInt32LE(failed ? -2 : 0, E.ret); b.writeUInt16LE(failed, E.source); b.writeUInt16LE(rnd(8), E.eflags);
    b.writeUInt16LE(fn.length, E.filename_len); b.writeUInt16LE(interp.length, E.interp_len); b.writeUInt16LE(mount.length, E.mount_len);
    b.writeUInt16LE(args.length, E.argc); b.writeUInt32LE(blob.length, E.args_len); b.writeUInt32LE(blob.length + rnd(2) * 10, E.args_total);
    b.writeBigUInt64LE(BigInt(rnd(8)), E.unreadable); b.writeBigUInt64LE(BigInt(rnd(8)), E.truncated); b.writeBigUInt64LE(2n ** 60n, E.ino);
    Buffer.concat([fn, interp, mount, blob]).copy(b, E.$size);
    return b;
  },
  [K.EV_READLINE]: () => { const R = L.readline_event; const line = text(pick([0, 1, 80, 16383])); const b = headOf(K.EV_READLINE, R.$size + line.length); b.writeUInt32LE(line.length, R.line_len); b.writeUInt32LE(rnd(2), R.truncated); line.copy(b, R.$size); return b; },
  [K.EV_MODULE]: () => { const M = L.module_event; const n = text(pick([0, 6, 63])); const b = headOf(K.EV_MODULE, M.$size + n.length); b.writeUInt32LE(pick(U32), M.taints); b.writeUInt32LE(n.length, M.name_len); n.copy(b, M.$size); return b; },
  [K.EV_CRED]: () => {
    const C = L.cred_event;
    const b = headOf(K.EV_CRED, C.$size);
    for (const f of ['old_uid', 'old_gid', 'old_suid', 'old_sgid', 'old_euid', 'old_egid', 'old_fsuid', 'old_fsgid', 'uid', 'gid', 'suid', 'sgid', 'euid', 'egid', 'fsuid', 'fsgid'] as const) b.writeUInt32LE(pick(U32), C[f]);
    b.writeUInt16LE(rnd(8), C.call);
    return b;
  },
};


/** A ring record (head ts START + 1 s, pid 100, tid 101, ppid 1, uid 1000, gid 1000, cpu 0, comm
 * "bash"): the recorder's own sample maker, which its warm-up uses too. */
export { ringRecord as ring, RECORD_TS, type Field } from '../../recorder/warmup.js';

/** The lane a kind travels in, from the family that decodes it. */
export function laneOf(kind: number): 'prio' | 'bulk' {
  return FAMILIES.find((f) => f.decoders[kind])?.lane ?? 'prio';
}

/** Ring records through the recorder's transcoders (fast encoders where a kind has one), read back
 * as capture records; malformed ones come back as Malformed records. */
export function transcode(recs: Buffer[], c: DecodeContext = ctx): { out: CaptureRecord[]; malformed: number } {
  const frame = new FrameBuffer(1024);
  const enc = new RingEncoder(c, frame);
  const t = { prio: new LaneTranscoder('prio', FAMILIES, enc, c), bulk: new LaneTranscoder('bulk', FAMILIES, enc, c) };
  for (const r of recs) {
    const kind = r.length >= L.event_head.$size ? r.readUInt16LE(L.event_head.kind) : 0;
    // records sit at an odd offset inside a bigger view, as in the ring
    const view = Buffer.concat([Buffer.alloc(13, 0xee), r, Buffer.alloc(7, 0xee)]);
    t[laneOf(kind)].handle(view, 13, r.length);
  }
  const raw = frame.take().raw;
  return { out: pb.Capture.decode(raw).record as CaptureRecord[], malformed: t.prio.malformed + t.bulk.malformed };
}

/** One record through its family's reference decoder, then protobufjs (as written to a capture). */
export function reference(r: Buffer, c: DecodeContext = ctx): CaptureRecord {
  const kind = r.readUInt16LE(L.event_head.kind);
  const fam = FAMILIES.find((f) => f.decoders[kind])!;
  const { rec } = fam.decoders[kind]!(r, 0, r.length, c);
  return pb.Record.decode(pb.Record.encode(rec).finish()) as CaptureRecord;
}

export const plain = (r: CaptureRecord) => pb.Record.toObject(r as pb.Record, { defaults: true, bytes: String });
