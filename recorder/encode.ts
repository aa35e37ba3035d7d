// The fast path: kernel ring records → protobuf wire bytes, with no object per event.
// The record's common fields are read once into this encoder; each kind's encoder (in
// probes/*.ts) then sizes its body and writes it. The reference decoders beside them build
// RecordInit objects; tests check that both give the same record.
import { event_head as H } from './layout.gen.js';
import { ShortRecord, type Clock, type DecodeContext } from './decode.js';
import { FrameBuffer, lfield, varintSize, vfield } from './wire.js';
import type { BodyKind } from '../format/index.js';

/** Record body field numbers (format/capture.proto, Record.body), generated. */
export { BODY_FIELD as BODY_TAG } from '../format/proto.js';

export class RingEncoder {
  ts = 0;
  pid = 0;
  tid = 0;
  uid = 0;
  ppid = 0;
  gid = 0;
  cpu = 0;
  cgroup = 0;
  commStart = 0;
  commEnd = 0;
  src: Buffer = Buffer.alloc(0);
  headSize = 0;

  readonly clock: Clock;
  /** The recorder's limits (argument count and size) and clock. */
  constructor(readonly ctx: DecodeContext, public out: FrameBuffer) { this.clock = ctx.clock; }

  /** Reads the common fields of the record at off and sizes them. */
  head(buf: Buffer, off: number, size: number, want: number, what: string): void {
    if (size < want) throw new ShortRecord(`${what} record of ${size} bytes, expected at least ${want}`);
    this.src = buf;
    this.ts = this.clock.rel(buf, off + H.ts);
    this.pid = buf.readUInt32LE(off + H.pid);
    this.tid = buf.readUInt32LE(off + H.tid);
    this.uid = buf.readUInt32LE(off + H.uid);
    this.ppid = buf.readUInt32LE(off + H.ppid);
    this.gid = buf.readUInt32LE(off + H.gid);
    this.cpu = buf.readUInt32LE(off + H.cpu);
    this.cgroup = buf.readUInt32LE(off + H.cgroup + 4) * 4294967296 + buf.readUInt32LE(off + H.cgroup);
    const c = off + H.comm;
    let e = c;
    while (e < c + 16 && buf[e] !== 0) e++;
    this.commStart = c;
    this.commEnd = e;
    this.headSize = vfield(this.ts) + vfield(this.pid) + vfield(this.tid) + vfield(this.uid) + lfield(e - c) +
      vfield(this.ppid) + vfield(this.gid) + vfield(this.cpu) + vfield(this.cgroup);
  }

  /** Opens the record and writes the common fields, then the body's tag and length. */
  begin(kind: BodyKind, tag: number, bodyLen: number): void {
    const o = this.out;
    const key = (tag << 3) | 2; // one byte up to field 15, two past it
    const len = this.headSize + (key < 0x80 ? 1 : 2) + varintSize(bodyLen) + bodyLen;
    o.open(len, kind, this.ts);
    o.vf(1, this.ts);
    o.vf(2, this.pid);
    o.vf(3, this.tid);
    o.vf(4, this.uid);
    o.lf(5, this.src, this.commStart, this.commEnd);
    o.vf(6, this.ppid);
    o.vf(7, this.gid);
    o.vf(8, this.cpu);
    o.vf(9, this.cgroup);
    if (key < 0x80) o.byte(key); else o.varint(key);
    o.varint(bodyLen);
  }
}
