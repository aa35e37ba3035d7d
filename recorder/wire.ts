// Protobuf wire bytes written straight from ring records: no intermediate object per event.
// FrameBuffer holds the pending frame's uncompressed bytes, a valid `Capture` encoding (each
// record is field 1, length-delimited). The per-kind encoders in probes/*.ts write into it;
// test/recorder/encoders.test.ts checks every kind against protobufjs decoding.
import { pb, type BodyKind, type RecordInit } from '../format/index.js';

export const WT_VARINT = 0;
export const WT_LEN = 2;

export function varintSize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  let n = 4;
  v = Math.floor(v / 0x10000000);
  while (v > 0) { n++; v = Math.floor(v / 128); }
  return n;
}

/** Size of a varint field (tag < 16) holding v, 0 when v is 0 (proto3 omits defaults). */
export function vfield(v: number): number { return v === 0 ? 0 : 1 + varintSize(v); }
/** Size of a length-delimited field (tag < 16) of n bytes, 0 when empty. */
export function lfield(n: number): number { return n === 0 ? 0 : 1 + varintSize(n) + n; }
/** zigzag for sint32/sint64 values within ±2^52. */
export function zigzag(v: number): number { return v >= 0 ? v * 2 : -v * 2 - 1; }

export class FrameBuffer {
  buf: Buffer;
  pos = 0;
  records = 0;
  readonly counts = new Map<BodyKind, number>();
  firstTs = -1;
  lastTs = 0;
  private lastKind: BodyKind | null = null;

  /** The pages are touched here, at start, not by the first records (fresh memory faults once
   * per 4 KiB page on first write). */
  constructor(capacity = 2 << 20) { this.buf = Buffer.allocUnsafe(capacity).fill(1); }

  /** Makes room for n more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }

  varint(v: number): void {
    const b = this.buf;
    let p = this.pos;
    while (v >= 0x80) {
      b[p++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    b[p++] = v;
    this.pos = p;
  }

  byte(v: number): void { this.buf[this.pos++] = v; }

  /** Varint field, omitted when 0. */
  vf(tag: number, v: number): void {
    if (v === 0) return;
    this.buf[this.pos++] = tag << 3;
    this.varint(v);
  }

  /** Length-delimited field of src[start, end), omitted when empty. */
  lf(tag: number, src: Buffer, start: number, end: number): void {
    const n = end - start;
    if (n === 0) return;
    this.buf[this.pos++] = (tag << 3) | WT_LEN;
    this.varint(n);
    this.copy(src, start, end);
  }

  /** The bytes src[start, end), as they are. */
  copy(src: Buffer, start: number, end: number): void {
    if (end - start < 32) {
      const b = this.buf;
      let p = this.pos;
      for (let i = start; i < end; i++) b[p++] = src[i]!;
      this.pos = p;
    } else {
      src.copy(this.buf, this.pos, start, end);
      this.pos += end - start;
    }
  }

  /** String field of Latin-1 text (digits, names), omitted when empty. */
  text(tag: number, s: string): void {
    if (s.length === 0) return;
    this.buf[this.pos++] = (tag << 3) | WT_LEN;
    this.varint(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
  }

  /** Opens a record of `len` bytes (the caller writes exactly that many next). */
  open(len: number, kind: BodyKind, ts: number): void {
    this.ensure(len + 6);
    this.buf[this.pos++] = (1 << 3) | WT_LEN;
    this.varint(len);
    this.records++;
    this.lastKind = kind;
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    if (this.firstTs < 0) this.firstTs = ts;
    this.lastTs = ts;
  }

  /** Forgets a record that was begun but could not be finished. */
  rollback(pos: number, records: number): void {
    this.pos = pos;
    if (this.records === records) return;
    this.records = records;
    if (this.lastKind) this.counts.set(this.lastKind, (this.counts.get(this.lastKind) ?? 1) - 1);
  }

  /** The reference path: a record object through protobufjs (rare kinds, metadata). */
  add(rec: RecordInit, kind: BodyKind): void {
    const bytes = pb.Record.encode(rec).finish();
    this.open(bytes.length, kind, Number(rec.ts ?? 0));
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Hands out the pending bytes and starts a new frame. `raw` is a view of this buffer, valid
   *  until the next record is added: the writers copy it at once (no second copy per frame). */
  take(): { raw: Buffer; records: number; counts: Map<BodyKind, number> } {
    const out = { raw: this.buf.subarray(0, this.pos), records: this.records, counts: new Map(this.counts) };
    this.pos = 0;
    this.records = 0;
    this.counts.clear();
    this.firstTs = -1;
    return out;
  }
}
