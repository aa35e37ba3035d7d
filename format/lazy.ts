// Lazy record decoding. A plan names the body kinds a reader wants and, per kind, the body fields
// it reads: other records are passed over by their oneof tag and length, undeclared fields are
// left at their defaults. protobufjs stays the reference decoder: any input the fast path does not
// recognise exactly (unknown fields, odd wire types, long varints, two bodies) goes to it, so its
// bounds and errors stay. test/format/lazy.test.ts compares the two on every kind and on damage.
import { pb, type BodyKind, type Record } from './proto.js';
import { BODY, SCALAR_BODIES } from './kinds.gen.js';

type Scalar = 'uint32' | 'int32' | 'sint32' | 'uint64' | 'sint64' | 'bool' | 'bytes';
type FieldTable = { readonly [n: number]: readonly [string, Scalar] };

/** Body fields the fast path decodes: every body made only of scalars and bytes, by field number
 * (generated from capture.proto). The others (exec, process, lost, header, trailer, malformed) are
 * decoded by protobufjs. */
export const BODY_FIELDS: { readonly [K in BodyKind]?: FieldTable } = SCALAR_BODIES;

/** Record's oneof body, by field number - FIRST_BODY. */
const FIRST_BODY = BODY[0][1];
const LAST_BODY = BODY[BODY.length - 1]![1];
export const BODY_BY_FIELD: readonly BodyKind[] = Array.from({ length: LAST_BODY - FIRST_BODY + 1 }, (_, i) => {
  const b = BODY.find(([, n]) => n === FIRST_BODY + i);
  if (!b) throw new Error(`capture.proto: Record field ${FIRST_BODY + i} is not a body (the lazy decoder needs body numbers without gaps)`);
  return b[0];
});

interface Decodes { decode(r: never, len?: number): object; new (): object }
const TYPES = Object.fromEntries(BODY.map(([k, , msg]) => [k, pb[msg]])) as unknown as { readonly [K in BodyKind]: Decodes };

export interface RecordPlan {
  /** Body kinds to yield; null: every record. Header and trailer are always decoded whole. */
  kinds: ReadonlySet<BodyKind> | null;
  /** Kinds listed here decode only these body fields (names of the generated code). */
  fields: ReadonlyMap<BodyKind, ReadonlySet<string>>;
}

/** The protobufjs reader the frame is read with (only buf/pos/len are used here). */
interface PbReader { buf: Uint8Array; pos: number; len: number }

const FALLBACK = -1;
const TWO32 = 4294967296;
const COMM_SLOTS = 4096;

/** A body with no field decoded, shared (frozen) by every record whose view reads none of its fields. */
const EMPTY = Object.fromEntries(Object.entries(TYPES).map(([k, T]) => [k, Object.freeze(new T())])) as { readonly [K in BodyKind]: object };

export class LazyDecoder {
  private readonly kinds: ReadonlySet<BodyKind> | null;
  private readonly fields: ReadonlyMap<BodyKind, ReadonlySet<string>>;
  // The last varint read: low and high 32 bits, and whether any bit was set (for bool).
  private lo = 0;
  private hi = 0;
  private any = false;
  /** Interned comm values: a host has few, and a copy does not pin the frame's bytes. */
  private readonly comms: (Buffer | undefined)[] = new Array<Buffer | undefined>(COMM_SLOTS);

  constructor(plan: RecordPlan) {
    this.kinds = plan.kinds === null ? null : new Set<BodyKind>([...plan.kinds, 'header', 'trailer']);
    const fields = new Map(plan.fields);
    for (const k of fields.keys()) if (!BODY_FIELDS[k]) fields.delete(k);
    this.fields = fields;
  }

  /** Wants everything: no reason to use the fast path. */
  get everything(): boolean { return this.kinds === null && this.fields.size === 0; }

  /** The record at [start, end) of r.buf, or null when its kind is not wanted. Throws as protobufjs does. */
  decode(r: PbReader, start: number, end: number): Record | null {
    const buf = r.buf;
    let p = start;
    let ts = 0; let pid = 0; let tid = 0; let uid = 0; let ppid = 0; let gid = 0; let cpu = 0; let cgroup = 0;
    let cs = 0; let ce = 0;
    let bodyField = 0; let bs = 0; let be = 0;
    while (p < end) {
      let tag = buf[p]!;
      if (tag < 0x80) p++;
      else {
        if (p + 1 >= end || buf[p + 1]! >= 0x80) return this.reference(r, start, end);
        tag = (tag & 0x7f) | (buf[p + 1]! << 7);
        p += 2;
      }
      const f = tag >>> 3;
      const wt = tag & 7;
      if (f >= 1 && f <= 9 && f !== 5) {
        if (wt !== 0) return this.reference(r, start, end);
        p = this.varint(buf, p, end, f === 1 || f === 9 ? 10 : 5);
        if (p === FALLBACK) return this.reference(r, start, end);
        const v = this.lo;
        switch (f) {
          case 1: ts = v + this.hi * TWO32; break;
          case 2: pid = v; break;
          case 3: tid = v; break;
          case 4: uid = v; break;
          case 6: ppid = v; break;
          case 7: gid = v; break;
          case 8: cpu = v; break;
          default: cgroup = v + this.hi * TWO32;
        }
      } else if (f === 5 || (f >= FIRST_BODY && f <= LAST_BODY)) {
        if (wt !== 2) return this.reference(r, start, end);
        p = this.varint(buf, p, end, 4);
        if (p === FALLBACK || p + this.lo > end) return this.reference(r, start, end);
        if (f === 5) { cs = p; ce = p + this.lo; } else {
          if (bodyField !== 0) return this.reference(r, start, end); // two bodies: protobufjs merges them
          bodyField = f; bs = p; be = p + this.lo;
        }
        p += this.lo;
      } else {
        return this.reference(r, start, end);
      }
    }
    const kind = bodyField === 0 ? undefined : BODY_BY_FIELD[bodyField - FIRST_BODY]!;
    if (this.kinds !== null && (kind === undefined || !this.kinds.has(kind))) return null;
    const rec = new pb.Record();
    if (ts !== 0) rec.ts = ts;
    if (pid !== 0) rec.pid = pid;
    if (tid !== 0) rec.tid = tid;
    if (uid !== 0) rec.uid = uid;
    if (ce > cs) rec.comm = ce - cs <= 16 ? this.comm(buf, cs, ce - cs) : Buffer.from(buf.buffer, buf.byteOffset + cs, ce - cs);
    if (ppid !== 0) rec.ppid = ppid;
    if (gid !== 0) rec.gid = gid;
    if (cpu !== 0) rec.cpu = cpu;
    if (cgroup !== 0) rec.cgroup = cgroup;
    if (kind === undefined) return rec;
    const want = this.fields.get(kind);
    let body: object | null;
    if (want === undefined) {
      r.pos = bs;
      body = TYPES[kind].decode(r as never, be - bs);
    } else {
      body = this.body(kind, want, buf, bs, be);
      if (body === null) return this.reference(r, start, end);
    }
    (rec as unknown as { [k: string]: unknown })[kind] = body;
    rec.body = kind;
    return rec;
  }

  private comm(buf: Uint8Array, s: number, n: number): Buffer {
    let h = n;
    for (let i = 0; i < n; i++) h = Math.imul(h ^ buf[s + i]!, 16777619);
    const slot = (h >>> 0) % COMM_SLOTS;
    const c = this.comms[slot];
    if (c !== undefined && c.length === n) {
      let i = 0;
      while (i < n && c[i] === buf[s + i]) i++;
      if (i === n) return c;
    }
    const copy = Buffer.from(buf.subarray(s, s + n));
    this.comms[slot] = copy;
    return copy;
  }

  /** Only the wanted fields of a body; null when anything is unusual (then protobufjs decides). */
  private body(kind: BodyKind, want: ReadonlySet<string>, buf: Uint8Array, p: number, end: number): object | null {
    const table = BODY_FIELDS[kind]!;
    // Nothing wanted: the body is still checked, and the record shares one empty body.
    const o = want.size === 0 ? null : new TYPES[kind]() as { [k: string]: unknown };
    while (p < end) {
      const tag = buf[p++]!;
      if (tag >= 0x80) return null;
      const spec = table[tag >>> 3];
      if (spec === undefined) return null;
      const [name, type] = spec;
      if ((tag & 7) !== (type === 'bytes' ? 2 : 0)) return null;
      p = this.varint(buf, p, end, type === 'uint64' || type === 'sint64' ? 10 : type === 'bytes' ? 4 : 5);
      if (p === FALLBACK) return null;
      let v: unknown;
      if (type === 'bytes') {
        const n = this.lo;
        if (p + n > end) return null;
        v = n === 0 ? null : Buffer.from(buf.buffer, buf.byteOffset + p, n);
        p += n;
      } else {
        v = this.value(type);
      }
      if (o === null || !want.has(name)) continue;
      if (v) o[name] = v; else delete o[name];
    }
    return o ?? EMPTY[kind];
  }

  private value(type: Scalar): number | boolean {
    const lo = this.lo;
    const hi = this.hi;
    switch (type) {
      case 'uint32': return lo;
      case 'int32': return lo | 0;
      case 'sint32': return (lo >>> 1 ^ -(lo & 1)) | 0;
      case 'bool': return this.any;
      case 'uint64': return lo + hi * TWO32;
      default: { // sint64: zig-zag, then signed, exactly as protobufjs' LongBits
        const mask = -(lo & 1);
        let l = ((lo >>> 1 | hi << 31) ^ mask) >>> 0;
        let h = (hi >>> 1 ^ mask) >>> 0;
        if (!(h >>> 31)) return l + h * TWO32;
        l = ~l + 1 >>> 0;
        h = ~h >>> 0;
        if (!l) h = h + 1 >>> 0;
        return -(l + h * TWO32);
      }
    }
  }

  /** Reads a varint of at most `max` bytes into lo/hi/any; the position after it, or FALLBACK. */
  private varint(buf: Uint8Array, p: number, end: number, max: number): number {
    let lo = 0; let hi = 0; let any = false;
    for (let i = 0; i < max; i++) {
      if (p >= end) return FALLBACK;
      const b = buf[p++]!;
      const v = b & 0x7f;
      if (v) any = true;
      if (i < 4) lo = (lo | v << (i * 7)) >>> 0;
      else if (i === 4) { lo = (lo | v << 28) >>> 0; hi = (v >> 4) >>> 0; } else hi = (hi | v << ((i - 5) * 7 + 3)) >>> 0;
      if (b < 0x80) {
        if (max === 5 && i === 4 && b > 15) return FALLBACK; // bits past 32: protobufjs' rules differ by reader
        this.lo = lo; this.hi = hi; this.any = any;
        return p;
      }
    }
    return FALLBACK;
  }

  private reference(r: PbReader, start: number, end: number): Record | null {
    r.pos = start;
    const rec = pb.Record.decode(r as never, end - start);
    if (this.kinds !== null && (rec.body === undefined || rec.body === null || !this.kinds.has(rec.body))) return null;
    return rec;
  }
}
