// Raw kernel records → capture records. Offsets come from layout.gen.ts (generated from BTF).
import { event_head as H } from './layout.gen.js';
import type { RecordInit } from '../format/index.js';
import { monoNow } from './host.js';

/** Converts kernel CLOCK_MONOTONIC nanoseconds (as two u32 halves) to ns since capture start. */
export class Clock {
  private readonly hi: number;
  private readonly lo: number;
  constructor(readonly startMonoNs: bigint) {
    this.hi = Number(startMonoNs >> 32n);
    this.lo = Number(startMonoNs & 0xffffffffn);
  }
  /** Exact while the difference is below 2^53 ns (104 days). Negative values clamp to 0. */
  rel(buf: Buffer, off: number): number {
    const d = (buf.readUInt32LE(off + 4) - this.hi) * 4294967296 + (buf.readUInt32LE(off) - this.lo);
    return d > 0 ? d : 0;
  }
  /** Now, on the same scale. */
  now(): number {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(monoNow());
    return this.rel(b, 0);
  }
  /** Same for a signed difference (process start times before the capture). */
  relSigned(buf: Buffer, off: number): number {
    return (buf.readUInt32LE(off + 4) - this.hi) * 4294967296 + (buf.readUInt32LE(off) - this.lo);
  }
}

/** C string of at most `max` bytes at off (stops at the first NUL), copied. */
export function cstr(buf: Buffer, off: number, max: number): Buffer {
  const end = buf.indexOf(0, off);
  const stop = end < 0 || end > off + max ? off + max : end;
  return Buffer.from(buf.subarray(off, stop));
}

export function u64(buf: Buffer, off: number): number {
  return buf.readUInt32LE(off + 4) * 4294967296 + buf.readUInt32LE(off);
}

export function u64String(buf: Buffer, off: number): string {
  return buf.readBigUInt64LE(off).toString();
}

/** The common fields every record carries. */
export function head(buf: Buffer, off: number, clock: Clock): RecordInit {
  return {
    ts: clock.rel(buf, off + H.ts),
    pid: buf.readUInt32LE(off + H.pid),
    tid: buf.readUInt32LE(off + H.tid),
    uid: buf.readUInt32LE(off + H.uid),
    comm: cstr(buf, off + H.comm, 16),
    ppid: buf.readUInt32LE(off + H.ppid),
    gid: buf.readUInt32LE(off + H.gid),
    cpu: buf.readUInt32LE(off + H.cpu),
    cgroup: u64(buf, off + H.cgroup),
  };
}

export interface DecodeContext {
  clock: Clock;
  maxArgs: number;
  argBytes: number;
}

export class ShortRecord extends Error {}

export function need(size: number, want: number, what: string): void {
  if (size < want) throw new ShortRecord(`${what} record of ${size} bytes, expected at least ${want}`);
}

/** A record's tail lengths must add up to its size exactly, and each stay within its cap:
 * a record that claims more (or less) than it holds is malformed, never half-decoded. */
export function exact(size: number, want: number, what: string): void {
  if (size !== want) throw new ShortRecord(`${what} record of ${size} bytes, but its lengths add up to ${want}`);
}

export function capped(n: number, cap: number, field: string): number {
  if (n > cap) throw new ShortRecord(`${field} of ${n} bytes exceeds its cap of ${cap}`);
  return n;
}
