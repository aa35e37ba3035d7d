// Lazy record decoding. A plan names the body kinds a reader wants and, per kind, the body fields
// it reads: other records are passed over by their oneof tag and length, undeclared fields are
// left at their defaults. protobufjs stays the reference decoder: any input the fast path does not
// recognise exactly (unknown fields, odd wire types, long varints, two bodies) goes to it, so its
// bounds and errors stay. test/format/lazy.test.ts compares the two on every kind and on damage.
import pbMinimal from 'protobufjs/minimal.js';
import { pb, type BodyKind, type CaptureRecord } from './proto.js';
import { BODY, SCALAR_BODIES } from './kinds.gen.js';

type Scalar = 'uint32' | 'int32' | 'sint32' | 'uint64' | 'sint64' | 'bool' | 'bytes' | 'string' | 'bytes[]' | 'string[]';
type FieldTable = { readonly [n: number]: readonly [string, Scalar] };

/** Body fields the fast path decodes: every body made only of scalars, bytes and strings (those two
 * also repeated), by field number (generated from capture.proto). The others (exec, header,
 * trailer) are decoded by protobufjs. */
export const BODY_FIELDS: { readonly [K in BodyKind]?: FieldTable } = SCALAR_BODIES;

/** Length-delimited on the wire: read as a length (a varint of at most 4 bytes) and that many bytes. */
const DELIMITED = new Set<Scalar>(['bytes', 'string', 'bytes[]', 'string[]']);

/** Every field of each kind the fast path reads: a kind a plan wants whole is read with these. */
const ALL_FIELDS = Object.fromEntries(Object.entries(BODY_FIELDS).map(([k, t]) => [k, new Set(Object.values(t!).map(([n]) => n))])) as
  { readonly [K in BodyKind]?: ReadonlySet<string> };

/** Per kind, by one-byte tag: how body() reads the field (0: not recognised; 5 or 10: a varint of at
 * most that many bytes; 4: bytes, its length a varint of at most 4 bytes). For check(). */
const TAG_READS: { readonly [K in BodyKind]?: Uint8Array } = Object.fromEntries(Object.entries(BODY_FIELDS).map(([k, table]) => {
  const t = new Uint8Array(128);
  for (const [n, [, type]] of Object.entries(table!)) {
    const f = Number(n);
    if (DELIMITED.has(type)) t[(f << 3) | 2] = 4;
    else t[f << 3] = type === 'uint64' || type === 'sint64' ? 10 : 5;
  }
  return [k, t];
}));

/** Per kind, by one-byte tag: 1 for a string field (check() leaves an invalid one to protobufjs, which throws). */
const STRING_TAGS: { readonly [K in BodyKind]?: Uint8Array } = Object.fromEntries(Object.entries(BODY_FIELDS).map(([k, table]) => {
  const t = new Uint8Array(128);
  for (const [n, [, type]] of Object.entries(table!)) if (type === 'string' || type === 'string[]') t[(Number(n) << 3) | 2] = 1;
  return [k, t];
}));

/** Record's oneof body, by field number - FIRST_BODY. */
const FIRST_BODY = BODY[0][1];
const LAST_BODY = BODY[BODY.length - 1]![1];
export const BODY_BY_FIELD: readonly BodyKind[] = Array.from({ length: LAST_BODY - FIRST_BODY + 1 }, (_, i) => {
  const b = BODY.find(([, n]) => n === FIRST_BODY + i);
  if (!b) throw new Error(`capture.proto: CaptureRecord field ${FIRST_BODY + i} is not a body (the lazy decoder needs body numbers without gaps)`);
  return b[0];
});

interface Decodes { decode(r: never, len?: number): object; new (): object }
const TYPES = Object.fromEntries(BODY.map(([k, , msg]) => [k, pb[msg]])) as unknown as { readonly [K in BodyKind]: Decodes };

export interface RecordPlan {
  /** Body kinds to yield; null: every record. Header and trailer are always decoded whole. */
  kinds: ReadonlySet<BodyKind> | null;
  /** Kinds listed here decode only these body fields (names of the generated code). */
  fields: ReadonlyMap<BodyKind, ReadonlySet<string>>;
  /** With a RecordSink only: kinds whose common fields alone are wanted (their body is checked, not
   * decoded); they reach the sink as touch() calls, in order, with no Record made. */
  touch?: ReadonlySet<BodyKind>;
  /** With a RecordSink only: kinds handed to the sink's raw() as their common fields and the body's
   * bytes, with no Record made (a line writer that renders them straight from the frame). */
  raw?: ReadonlySet<BodyKind>;
  /** With a RecordSink only: kinds only counted by pid, uid, comm and the body (a counting view).
   * Repeats of one record (same pid, uid, comm and body bytes) inside `window` reach the sink once,
   * with their number, when the table is full or at the end of read(). */
  counted?: ReadonlySet<BodyKind>;
  /** Whether counted records with another pid or uid are told apart (absent: both are). */
  countBy?: { pid: boolean; uid: boolean };
  /** Distinct counted records held before the table is flushed early (default and most: 16384). */
  countEntries?: number;
}

/** Where a reader with a sink delivers each frame's records, synchronously and in order. */
export interface RecordSink {
  /** A record; `n` > 1 only for a counted kind (the record stands for n alike). */
  record(rec: CaptureRecord, n: number): void;
  /** A record of a touch kind: only its common fields. `comm` is shared: do not change it. */
  touch(ts: number, pid: number, ppid: number, uid: number, comm: Buffer | undefined): void;
  /** A record of a raw kind (the plan's `raw`): valid only during the call; `d` is reused. */
  raw?(d: RawRecord): void;
}

/** A record of a raw kind as the decoder found it: its common fields (0 or undefined when absent,
 * as a decoded Record has them) and its body's bytes, buf[bs, be), checked to follow the rules the
 * fast path reads by. Valid only during the sink's raw() call. */
export interface RawRecord {
  readonly kind: BodyKind;
  readonly ts: number; readonly pid: number; readonly tid: number; readonly uid: number; readonly ppid: number;
  readonly gid: number; readonly cpu: number; readonly cgroup: number;
  /** Interned for short values: the same Buffer for the same bytes (do not change it). */
  readonly comm: Buffer | undefined;
  readonly buf: Uint8Array; readonly bs: number; readonly be: number;
  /** The body decoded whole, as a Record's would be (its bytes fields view the frame: use them within the call). */
  body(): object;
}

/** The time window counted records must lie in (known once the header is read; null: count nothing). */
export interface CountWindow { since: number | undefined; until: number | undefined }

/** decode()'s answers for a record that went to the sink's touch() or into the frame's counts. */
export const TOUCHED = Symbol('touched');
export const COUNTED = Symbol('counted');

/** The protobufjs reader the frame is read with (only buf/pos/len are used here). */
interface PbReader { buf: Uint8Array; pos: number; len: number }

const pbUtil = pbMinimal.util;
const FALLBACK = -1;
const TWO32 = 4294967296;
const COMM_SLOTS = 4096;
const TOUCH = 1;
const RAW = 2;
/** Distinct records counted before an early flush (the table has twice as many slots). */
const COUNT_ENTRIES = 16384;
const COUNT_SLOTS = 32768;
/** Ints per counted entry: record start, end, pid, uid, comm start, end, body start, end (in `kept`), body field. */
const E = 9;

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

  private readonly touchKinds: ReadonlySet<BodyKind>;
  private readonly rawKinds: ReadonlySet<BodyKind>;
  private readonly rawRec: RawRecordImpl;
  private readonly countedKinds: ReadonlySet<BodyKind>;
  /** Set by the reader for a sink run; touch and counted kinds apply only then. */
  sink: RecordSink | null = null;
  /** True while the sink runs: what it throws (EPIPE from a closed stdout, a view's own error) is
   * not the record's fault, and frameRecords() lets it through instead of reporting a bad record. */
  inSink = false;
  /** Set by the reader when it reuses the frame's buffer: every byte field handed out is a copy. */
  copies = false;
  /** Counted records must lie in it; null until the consumer knows it. */
  window: CountWindow | null = null;
  // The frame's counts: open addressing over slot -> entry + 1; per entry, where its first record
  // lies and what identifies it (pid, uid, comm and body ranges, body field), and how many.
  private readonly slots = new Int32Array(COUNT_SLOTS);
  private readonly ent = new Int32Array(COUNT_ENTRIES * E);
  private readonly cnt = new Float64Array(COUNT_ENTRIES);
  private entries = 0;
  /** The entry the last counted record went to (-1: none since the table was emptied). */
  private last = -1;
  private readonly countEntries: number;
  private readonly countPid: boolean;
  private readonly countUid: boolean;
  /** The first record of each entry, copied: entries outlive their frame. */
  private kept = Buffer.allocUnsafe(1 << 20);
  private used = 0;

  constructor(plan: RecordPlan) {
    this.kinds = plan.kinds === null ? null : new Set<BodyKind>([...plan.kinds, 'header', 'trailer']);
    const fields = new Map(plan.fields);
    for (const k of fields.keys()) if (!BODY_FIELDS[k]) fields.delete(k);
    this.fields = fields;
    const fast = (ks: ReadonlySet<BodyKind> | undefined): ReadonlySet<BodyKind> => new Set([...ks ?? []].filter((k) => BODY_FIELDS[k] && fields.has(k)));
    this.touchKinds = fast(plan.touch);
    this.rawKinds = new Set([...plan.raw ?? []].filter((k) => BODY_FIELDS[k]));
    this.rawRec = new RawRecordImpl(this);
    this.countedKinds = fast(plan.counted);
    BODY_BY_FIELD.forEach((k, i) => { this.roles[FIRST_BODY + i] = this.countedKinds.has(k) ? 2 : this.kinds === null || this.kinds.has(k) ? 1 : 0; });
    if (this.kinds === null) this.roles[0] = 1;
    BODY_BY_FIELD.forEach((k, i) => { this.modes[FIRST_BODY + i] = this.touchKinds.has(k) ? TOUCH : this.rawKinds.has(k) ? RAW : 0; });
    this.countPid = plan.countBy?.pid ?? true;
    this.countUid = plan.countBy?.uid ?? true;
    this.countEntries = Math.min(plan.countEntries ?? COUNT_ENTRIES, COUNT_ENTRIES);
  }

  /** Wants everything: no reason to use the fast path. */
  get everything(): boolean { return this.kinds === null && this.fields.size === 0; }

  /** The record at [start, end) of r.buf, or null when its kind is not wanted. Throws as protobufjs does. */
  decode(r: PbReader, start: number, end: number): CaptureRecord | null | typeof TOUCHED | typeof COUNTED {
    const buf = r.buf;
    const roles = this.kinds !== null ? this.roles : null;
    let p = start;
    let ts = 0; let pid = 0; let tid = 0; let uid = 0; let ppid = 0; let gid = 0; let cpu = 0; let cgroup = 0;
    let cs = 0; let ce = 0;
    let bodyField = 0; let bs = 0; let be = 0;
    while (p < end) {
      let tag = buf[p]!;
      if (tag < 0x80) p++;
      else {
        if (p + 1 >= end || buf[p + 1]! >= 0x80) return this.bail(r, start, end);
        tag = (tag & 0x7f) | (buf[p + 1]! << 7);
        p += 2;
      }
      const f = tag >>> 3;
      const wt = tag & 7;
      if (f >= 1 && f <= 9 && f !== 5) {
        if (wt !== 0 || p >= end) return this.bail(r, start, end);
        // one- and two-byte values (pid, uid, cpu, ...) read here; longer ones by varint()
        let v = buf[p]!;
        let h = 0;
        if (v < 0x80) p++;
        else if (p + 1 < end && buf[p + 1]! < 0x80) { v = (v & 0x7f) | buf[p + 1]! << 7; p += 2; } else {
          p = this.varint(buf, p, end, f === 1 || f === 9 ? 10 : 5);
          if (p === FALLBACK) return this.bail(r, start, end);
          v = this.lo;
          h = this.hi;
        }
        switch (f) {
          case 1: ts = v + h * TWO32; break;
          case 2: pid = v; break;
          case 3: tid = v; break;
          case 4: uid = v; break;
          case 6: ppid = v; break;
          case 7: gid = v; break;
          case 8: cpu = v; break;
          default: cgroup = v + h * TWO32;
        }
      } else if (f === 5 || (f >= FIRST_BODY && f <= LAST_BODY)) {
        if (wt !== 2 || p >= end) return this.bail(r, start, end);
        let n = buf[p]!;
        if (n < 0x80) p++;
        else {
          p = this.varint(buf, p, end, 4);
          if (p === FALLBACK) return this.bail(r, start, end);
          n = this.lo;
        }
        if (p + n > end) return this.bail(r, start, end);
        if (f === 5) { cs = p; ce = p + n; } else {
          if (bodyField !== 0) return this.bail(r, start, end); // two bodies: protobufjs merges them
          if (roles !== null && roles[f] === 0 && p + n === end) return null; // an unwanted kind, its body last: nothing more to read
          bodyField = f; bs = p; be = p + n;
        }
        p += n;
      } else {
        return this.bail(r, start, end);
      }
    }
    const kind = bodyField === 0 ? undefined : BODY_BY_FIELD[bodyField - FIRST_BODY]!;
    if (roles !== null && roles[bodyField] === 0) return null;
    if (this.sink !== null && kind !== undefined) {
      const mode = this.modes[bodyField]!;
      if (mode === TOUCH) {
        if (!this.check(kind, buf, bs, be)) return this.reference(r, start, end);
        const comm = this.commOf(buf, cs, ce);
        this.inSink = true;
        this.sink.touch(ts, pid, ppid, uid, comm);
        this.inSink = false;
        return TOUCHED;
      }
      if (mode === RAW && this.sink.raw !== undefined) {
        if (!this.check(kind, buf, bs, be)) return this.reference(r, start, end);
        const d = this.rawRec;
        d.kind = kind; d.ts = ts; d.pid = pid; d.tid = tid; d.uid = uid; d.ppid = ppid; d.gid = gid; d.cpu = cpu; d.cgroup = cgroup;
        d.comm = this.commOf(buf, cs, ce);
        d.buf = buf; d.bs = bs; d.be = be;
        this.inSink = true;
        this.sink.raw(d);
        this.inSink = false;
        return TOUCHED;
      }
      const w = this.window;
      if (w !== null && this.countedKinds.has(kind) && (w.since === undefined || ts >= w.since) && (w.until === undefined || ts <= w.until)) {
        if (!this.check(kind, buf, bs, be)) return this.reference(r, start, end);
        this.count(buf, start, end, pid, uid, cs, ce, bodyField, bs, be);
        return COUNTED;
      }
    }
    const rec = new pb.Record();
    if (ts !== 0) rec.ts = ts;
    if (pid !== 0) rec.pid = pid;
    if (tid !== 0) rec.tid = tid;
    if (uid !== 0) rec.uid = uid;
    if (ce > cs) rec.comm = ce - cs <= 16 ? this.comm(buf, cs, ce - cs) : this.bytes(buf, cs, ce - cs);
    if (ppid !== 0) rec.ppid = ppid;
    if (gid !== 0) rec.gid = gid;
    if (cpu !== 0) rec.cpu = cpu;
    if (cgroup !== 0) rec.cgroup = cgroup;
    if (kind === undefined) return rec;
    const want = this.fields.get(kind) ?? ALL_FIELDS[kind];
    let body: object | null;
    if (want === undefined) {
      r.pos = bs;
      body = TYPES[kind].decode(r as never, be - bs);
      if (this.copies) ownBytes(body);
    } else {
      body = this.body(kind, want, buf, bs, be);
      if (body === null) return this.reference(r, start, end);
    }
    (rec as unknown as { [k: string]: unknown })[kind] = body;
    rec.body = kind;
    return rec;
  }

  /** By body field number (0: no body): 0 not wanted, 1 wanted, 2 counted. For scan(). */
  private readonly roles = new Uint8Array(LAST_BODY + 1);
  /** By body field number: TOUCH, RAW or 0 (what decode() does with a wanted record, given a sink). */
  private readonly modes = new Uint8Array(LAST_BODY + 1);
  /** Records scan() counted and passed over in its last call. */
  scanned = 0;
  scanSkipped = 0;

  /** Whether scan() applies: a counting plan read with a sink (no touch kinds, no tree), window known. */
  get scanning(): boolean {
    return this.sink !== null && this.window !== null && this.kinds !== null && this.countedKinds.size > 0 && this.touchKinds.size === 0;
  }

  /** A run of plain records from `p` on, with no Record made: counted kinds inside the window are
   * counted, kinds not wanted passed over. It stops before the first record that is anything else
   * (the caller decodes that one as usual, so bounds, errors and fallbacks stay decode()'s), after
   * `budget` records, or at the end. Returns the position it stopped at; scanned/scanSkipped say
   * how many it counted and passed over. The rules are decode()'s, so the outcome is the same. */
  scan(r: PbReader, p: number, budget: number, maxRecord: number): number {
    const buf = r.buf;
    const len = r.len;
    const w = this.window!;
    const roles = this.roles;
    let counted = 0;
    let skipped = 0;
    while (p < len && counted + skipped < budget && buf[p] === 0x0a) {
      // the record's length: a varint of at most 3 bytes (records are far smaller than 2 MiB)
      let q = p + 1;
      let n = 0;
      let b = q < len ? buf[q++]! : 0x80;
      n = b & 0x7f;
      if (b >= 0x80) {
        b = q < len ? buf[q++]! : 0x80;
        n |= (b & 0x7f) << 7;
        if (b >= 0x80) {
          b = q < len ? buf[q++]! : 0x80;
          if (b >= 0x80) break;
          n |= b << 14;
        }
      }
      const start = q;
      const end = q + n;
      if (n > maxRecord || end > len) break;
      let ts = 0; let pid = 0; let uid = 0; let cs = 0; let ce = 0;
      let bf = 0; let bs = 0; let be = 0;
      let plain = true;
      while (q < end) {
        let tag = buf[q]!;
        if (tag < 0x80) q++;
        else {
          if (q + 1 >= end || buf[q + 1]! >= 0x80) { plain = false; break; }
          tag = (tag & 0x7f) | (buf[q + 1]! << 7);
          q += 2;
        }
        const f = tag >>> 3;
        if (f >= 1 && f <= 9 && f !== 5) {
          if ((tag & 7) !== 0 || q >= end) { plain = false; break; }
          let v = buf[q]!;
          if (v < 0x80) q++;
          else if (q + 1 < end && buf[q + 1]! < 0x80) { v = (v & 0x7f) | buf[q + 1]! << 7; q += 2; } else if (f === 1) {
            // ts: up to 7 bytes (2^49 ns) summed here, exactly; longer ones by varint()
            v &= 0x7f;
            let mul = 128;
            let i = 1;
            for (; i < 7 && q + i < end; i++, mul *= 128) {
              const c = buf[q + i]!;
              v += (c & 0x7f) * mul;
              if (c < 0x80) break;
            }
            if (i === 7 || q + i >= end) {
              q = this.varint(buf, q, end, 10);
              if (q === FALLBACK) { plain = false; break; }
              v = this.lo + this.hi * TWO32;
            } else q += i + 1;
          } else {
            q = this.varint(buf, q, end, f === 9 ? 10 : 5);
            if (q === FALLBACK) { plain = false; break; }
            v = this.lo;
          }
          if (f === 1) ts = v;
          else if (f === 2) pid = v;
          else if (f === 4) uid = v;
        } else if (f === 5 || (f >= FIRST_BODY && f <= LAST_BODY)) {
          if ((tag & 7) !== 2 || q >= end) { plain = false; break; }
          let m = buf[q]!;
          if (m < 0x80) q++;
          else {
            q = this.varint(buf, q, end, 4);
            if (q === FALLBACK) { plain = false; break; }
            m = this.lo;
          }
          if (q + m > end) { plain = false; break; }
          if (f === 5) { cs = q; ce = q + m; } else {
            if (bf !== 0) { plain = false; break; }
            bf = f; bs = q; be = q + m;
          }
          q += m;
        } else { plain = false; break; }
      }
      if (!plain) break;
      const role = roles[bf]!;
      if (role === 0) { skipped++; p = end; continue; }
      if (role !== 2 || (w.since !== undefined && ts < w.since) || (w.until !== undefined && ts > w.until) ||
          !this.check(BODY_BY_FIELD[bf - FIRST_BODY]!, buf, bs, be)) break;
      this.count(buf, start, end, pid, uid, cs, ce, bf, bs, be);
      counted++;
      p = end;
    }
    this.scanned = counted;
    this.scanSkipped = skipped;
    return p;
  }

  /** Would body() read this body (not null)? The same rules, with no name looked up and nothing made. */
  private check(kind: BodyKind, buf: Uint8Array, p: number, end: number): boolean {
    const reads = TAG_READS[kind]!;
    const strings = STRING_TAGS[kind]!;
    while (p < end) {
      const tag = buf[p++]!;
      if (tag >= 0x80) return false;
      const max = reads[tag]!;
      if (max === 0) return false;
      let n: number;
      if (p < end && buf[p]! < 0x80) n = buf[p++]!; // one byte: always within the rules
      else {
        p = this.varint(buf, p, end, max);
        if (p === FALLBACK) return false;
        n = this.lo;
      }
      if (max !== 4) continue;
      if (p + n > end || (strings[tag] === 1 && !isUtf8(buf, p, n))) return false;
      p += n;
    }
    return true;
  }

  /** A record the fast loop does not follow: passed over when its kind is plainly not wanted (as
   * protobufjs would find it), else decoded by protobufjs. */
  private bail(r: PbReader, start: number, end: number): CaptureRecord | null {
    if (this.kinds !== null && this.unwanted(r.buf, start, end)) return null;
    return this.reference(r, start, end);
  }
  /** A quick look for the body's tag, values skipped, not read: true only when the record is plainly
   * of a kind not wanted (anything unusual is left to bail()'s protobufjs). */
  private unwanted(buf: Uint8Array, p: number, end: number): boolean {
    while (p < end) {
      const tag = buf[p++]!;
      if (tag >= 0x80) return false;
      const wt = tag & 7;
      if (wt === 0) {
        while (p < end && buf[p]! >= 0x80) p++;
        p++;
      } else if (wt === 2) {
        let n = 0;
        for (let shift = 0; ; shift += 7) {
          if (p >= end || shift > 21) return false;
          const b = buf[p++]!;
          n |= (b & 0x7f) << shift;
          if (b < 0x80) break;
        }
        const f = tag >>> 3;
        if (f >= FIRST_BODY && f <= LAST_BODY) {
          const kind = BODY_BY_FIELD[f - FIRST_BODY]!;
          return p + n === end && !this.kinds!.has(kind);
        }
        p += n;
      } else {
        return false;
      }
    }
    return false;
  }

  /** Adds one to the entry for this record's identity (a new entry, its record copied aside, when it is the first). */
  private count(buf: Uint8Array, start: number, end: number, pid: number, uid: number, cs: number, ce: number, bf: number, bs: number, be: number): void {
    if (!this.countPid) pid = 0;
    if (!this.countUid) uid = 0;
    const ent = this.ent;
    const kept = this.kept;
    // a storm repeats its record: the last entry first, without hashing
    const l = this.last * E;
    if (this.last >= 0 && ent[l + 2] === (pid | 0) && ent[l + 3] === (uid | 0) && ent[l + 8] === bf && ent[l + 5]! - ent[l + 4]! === ce - cs &&
        ent[l + 7]! - ent[l + 6]! === be - bs && same(kept, ent[l + 4]!, buf, cs, ce - cs) && same(kept, ent[l + 6]!, buf, bs, be - bs)) {
      this.cnt[this.last]!++;
      return;
    }
    let h = Math.imul(pid ^ 0x9e3779b9, 16777619) ^ uid ^ (bf << 24);
    for (let i = cs; i < ce; i++) h = Math.imul(h ^ buf[i]!, 16777619);
    for (let i = bs; i < be; i++) h = Math.imul(h ^ buf[i]!, 16777619);
    for (let s = (h >>> 0) & (COUNT_SLOTS - 1); ; s = (s + 1) & (COUNT_SLOTS - 1)) {
      const e = this.slots[s]! - 1;
      if (e < 0) {
        const n = end - start;
        if (this.entries === this.countEntries || this.used + n > this.kept.length) {
          this.flush();
          if (n > this.kept.length) this.kept = Buffer.allocUnsafe(n);
          this.count(buf, start, end, pid, uid, cs, ce, bf, bs, be);
          return;
        }
        const k = this.entries++;
        this.slots[s] = k + 1;
        const at = this.used - start; // where the record's bytes go in `kept`, relative to buf
        kept.set(buf.subarray(start, end), this.used);
        this.used += n;
        const o = k * E;
        ent[o] = start + at; ent[o + 1] = end + at; ent[o + 2] = pid; ent[o + 3] = uid; ent[o + 4] = cs + at; ent[o + 5] = ce + at;
        ent[o + 6] = bs + at; ent[o + 7] = be + at; ent[o + 8] = bf;
        this.cnt[k] = 1;
        this.last = k;
        return;
      }
      const o = e * E;
      if (ent[o + 2] === (pid | 0) && ent[o + 3] === (uid | 0) && ent[o + 8] === bf && ent[o + 5]! - ent[o + 4]! === ce - cs &&
          ent[o + 7]! - ent[o + 6]! === be - bs && same(kept, ent[o + 4]!, buf, cs, ce - cs) && same(kept, ent[o + 6]!, buf, bs, be - bs)) {
        this.cnt[e]!++;
        this.last = e;
        return;
      }
    }
  }

  /** Delivers the counted records (each the first of its kind, with its number) and empties the
   * table. The reader calls it at the end of read(); count() when the table or its bytes are full. */
  flush(): void {
    const n = this.entries;
    if (n === 0) return;
    this.entries = 0;
    this.last = -1;
    this.used = 0;
    this.slots.fill(0);
    const sink = this.sink!;
    const w = this.window;
    this.window = null; // the representatives decode as plain records
    const copies = this.copies;
    this.copies = true; // `kept` is reused
    const r = pbMinimal.Reader.create(this.kept);
    try {
      for (let e = 0; e < n; e++) {
        const rec = this.decode(r, this.ent[e * E]!, this.ent[e * E + 1]!);
        r.len = this.kept.length;
        if (rec !== null && rec !== TOUCHED && rec !== COUNTED) { this.inSink = true; sink.record(rec, this.cnt[e]!); this.inSink = false; }
      }
    } finally {
      this.window = w;
      this.copies = copies;
    }
  }

  /** n bytes at s: a view into the frame, or a copy when the frame's buffer is reused. */
  private bytes(buf: Uint8Array, s: number, n: number): Buffer {
    return this.copies ? copyOf(buf.subarray(s, s + n)) : Buffer.from(buf.buffer, buf.byteOffset + s, n);
  }

  /** The comm at buf[cs, ce) handed to a sink: undefined when empty, interned when short, else a
   * copy (a line worker interns the comms it is sent with it too). */
  commOf(buf: Uint8Array, cs: number, ce: number): Buffer | undefined {
    return ce <= cs ? undefined : ce - cs <= 16 ? this.comm(buf, cs, ce - cs) : Buffer.from(buf.subarray(cs, ce));
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
    const copy = copyOf(buf.subarray(s, s + n));
    this.comms[slot] = copy;
    return copy;
  }

  /** A raw record's body, whole, its bytes viewing the frame (check() passed: body() reads it). */
  rawBody(kind: BodyKind, buf: Uint8Array, bs: number, be: number): object {
    const copies = this.copies;
    this.copies = false;
    try {
      const o = this.body(kind, ALL_FIELDS[kind]!, buf, bs, be);
      if (o !== null) return o;
      return TYPES[kind].decode(pbMinimal.Reader.create(buf.subarray(bs, be)) as never);
    } finally { this.copies = copies; }
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
      const delimited = DELIMITED.has(type);
      if ((tag & 7) !== (delimited ? 2 : 0)) return null;
      p = this.varint(buf, p, end, type === 'uint64' || type === 'sint64' ? 10 : delimited ? 4 : 5);
      if (p === FALLBACK) return null;
      let v: unknown;
      const keep = o !== null && want.has(name);
      if (delimited) {
        const n = this.lo;
        if (p + n > end) return null;
        // a string is decoded even when not kept: invalid UTF-8 throws, as in protobufjs
        if (type === 'string' || type === 'string[]') v = utf8(buf, p, n);
        else if (keep) v = n === 0 && type === 'bytes' ? null : this.bytes(buf, p, n);
        p += n;
        if (keep && (type === 'bytes[]' || type === 'string[]')) { // as protobufjs: an own list at the first entry
          const list = o![name] as unknown[] | undefined;
          if (list && list.length) list.push(v); else o![name] = [v];
          continue;
        }
      } else {
        v = keep ? this.value(type) : null;
      }
      if (!keep) continue;
      if (v) o![name] = v; else delete o![name];
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

  private reference(r: PbReader, start: number, end: number): CaptureRecord | null {
    r.pos = start;
    const rec = pb.Record.decode(r as never, end - start);
    if (this.kinds !== null && (rec.body === undefined || rec.body === null || !this.kinds.has(rec.body))) return null;
    if (this.copies) ownBytes(rec);
    return rec;
  }
}

/** A RawRecord the decoder (or a line worker, analyzer/lines-worker.ts) fills in and reuses. */
export class RawRecordImpl implements RawRecord {
  kind: BodyKind = 'open';
  ts = 0; pid = 0; tid = 0; uid = 0; ppid = 0; gid = 0; cpu = 0; cgroup = 0;
  comm: Buffer | undefined = undefined;
  buf: Uint8Array = new Uint8Array(0); bs = 0; be = 0;
  constructor(private readonly d: LazyDecoder) {}
  body(): object { return this.d.rawBody(this.kind, this.buf, this.bs, this.be); }
}

/** n bytes at s as the generated code decodes a string: invalid UTF-8 throws (protobufjs' stringVerify). */
function utf8(buf: Uint8Array, s: number, n: number): string {
  return pbUtil.utf8.readStrict(buf, s, s + n);
}

function isUtf8(buf: Uint8Array, s: number, n: number): boolean {
  try { utf8(buf, s, n); return true; } catch { return false; }
}

function same(x: Uint8Array, a: number, y: Uint8Array, b: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (x[a + i] !== y[b + i]) return false;
  return true;
}


/** Replaces every byte field of a decoded message (nested, in lists too) by a copy of its bytes. */
function ownBytes(o: object): void {
  const m = o as { [k: string]: unknown };
  for (const k of Object.keys(m)) {
    const v = m[k];
    if (v instanceof Uint8Array) m[k] = copyOf(v);
    else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) { const x: unknown = v[i]; if (x instanceof Uint8Array) v[i] = copyOf(x); else if (typeof x === 'object' && x !== null) ownBytes(x); }
    else if (typeof v === 'object' && v !== null) ownBytes(v);
  }
}

/** A copy (Buffer.from of a Uint8Array takes a slow element-wise path for large ones). */
function copyOf(u: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(u.length);
  b.set(u);
  return b;
}
