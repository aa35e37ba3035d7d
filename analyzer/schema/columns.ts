// Rows → Arrow columns, appended row by row straight into typed arrays and byte buffers, so a row
// object dies young instead of waiting (with its strings) for its part to be written. flechette's
// generic builders encode each string with a TextEncoder and go through a builder object per
// value; these keep its array shapes (lengths padded to 8 bytes, an empty validity bitmap when
// nothing is null, first-seen dictionary order), so the IPC bytes are the same.
import { isUtf8 } from 'node:buffer';
import * as fl from '@uwdata/flechette';
import type { Row, Value } from './tables.js';
import { compileFields, type FieldSpec } from './fields.js';
import type { HostClock } from './clock.js';
import { epochColumns, epochOf, writeTime, type EpochSecond } from './epoch.js';

/** Elements of `bpe` bytes in `length` elements padded to a multiple of 8 bytes. */
const align64 = (length: number, bpe = 1): number => (((length * bpe) + 7) & ~7) / bpe;

type Typed = Uint8Array | Int32Array | Uint32Array | BigInt64Array;
/** A zero-filled array grown by doubling (padding bytes are written to files: they stay zero). */
function grow<T extends Typed>(a: T, need: number): T {
  if (need <= a.length) return a;
  const next = new (a.constructor as new (n: number) => T)(Math.max(a.length * 2, need));
  next.set(a as never);
  return next;
}
/** The first `length` elements padded to 8 bytes, as flechette returns them. */
function aligned<T extends Typed>(a: T, length: number): T {
  const n = align64(length, a.BYTES_PER_ELEMENT);
  return (n <= a.length ? a : grow(a, n)).subarray(0, n) as T;
}

type BatchOptions = { length: number; nullCount: number; type: fl.DataType; validity: Uint8Array; values?: unknown; offsets?: Int32Array; children?: fl.Batch<unknown>[] };
const batch = (o: BatchOptions): fl.Batch<unknown> => new (fl.batchType(o.type) as unknown as new (o: BatchOptions) => fl.Batch<unknown>)(o);

/** Values of one column: n so far, their validity bits and null count. */
abstract class Builder {
  n = 0;
  nulls = 0;
  private bits = new Uint8Array(64);
  constructor(readonly type: fl.DataType) {}
  /** Appends v; false when it is null. */
  protected valid(v: unknown): boolean {
    const i = this.n++;
    if (v === null || v === undefined) { this.nulls++; return false; }
    if (i >> 3 >= this.bits.length) this.bits = grow(this.bits, (i >> 3) + 1);
    this.bits[i >> 3]! |= 1 << (i & 7);
    return true;
  }
  protected validity(): Uint8Array { return this.nulls ? aligned(this.bits, ((this.n - 1) >> 3) + 1) : new Uint8Array(0); }
  protected options(): BatchOptions { return { length: this.n, nullCount: this.nulls, type: this.type, validity: this.validity() }; }
  abstract add(v: Value): void;
  abstract batch(): fl.Batch<unknown>;
  /** Empty again, with fresh arrays as large as the last batch's (the old ones belong to it): the
   * next part does not grow its arrays again by doubling. */
  reset(): void { this.n = 0; this.nulls = 0; this.bits = new Uint8Array(this.bits.length); }
}

/** Buffer's own UTF-8 encoder (what write() calls after checking its arguments). */
type Utf8Writes = Buffer & { utf8Write(s: string, offset: number): number };

/** utf8 or binary: offsets and one byte buffer. */
class BytesBuilder extends Builder {
  private offsets = new Int32Array(256);
  private buf = Buffer.alloc(1 << 12);
  private pos = 0;
  override reset(): void {
    super.reset();
    this.offsets = new Int32Array(this.offsets.length);
    this.buf = Buffer.alloc(this.buf.length);
    this.pos = 0;
    this.utf8Seen = null;
  }
  private room(bytes: number): void {
    if (this.pos + bytes + 8 > this.buf.length) {
      const next = Buffer.alloc(Math.max(this.buf.length * 2, this.pos + bytes + 8));
      this.buf.copy(next, 0, 0, this.pos);
      this.buf = next;
    }
  }
  private copy(v: Uint8Array): void {
    const n = v.length;
    this.room(n);
    if (n > 32) this.buf.set(v, this.pos);
    else for (let i = 0, p = this.pos; i < n; i++) this.buf[p + i] = v[i]!; // cheaper than set() for a short value
    this.pos += n;
  }
  private end(): void {
    if (this.n >= this.offsets.length) this.offsets = grow(this.offsets, this.n + 1);
    this.offsets[this.n] = this.pos;
  }
  /** Raw bytes (null or undefined: empty bytes, as the rows have them). */
  addBin(v: Uint8Array | null | undefined): void {
    this.valid(true);
    if (v) this.copy(v);
    this.end();
  }
  /** The lossless text of raw bytes: their bytes when valid UTF-8, else null (empty: ''). */
  private utf8Seen: Uint8Array | null = null; // the last value found valid: comm is one interned buffer
  addBinText(v: Uint8Array | null | undefined): void {
    if (v && v.length && v !== this.utf8Seen) {
      if (!isUtf8(v)) { this.valid(null); this.end(); return; }
      this.utf8Seen = v;
    }
    this.addBin(v);
  }
  add(v: Value): void {
    if (this.valid(v)) {
      if (v instanceof Uint8Array) this.copy(v);
      else {
        const s = typeof v === 'string' ? v : String(v);
        this.room(s.length * 3);
        const buf = this.buf;
        let p = this.pos;
        let i = 0;
        for (let c = 0; i < s.length && (c = s.charCodeAt(i)) < 0x80; i++) buf[p++] = c; // ASCII: no call out
        this.pos = i === s.length ? p : this.pos + (buf as Utf8Writes).utf8Write(s, this.pos);
      }
    }
    this.end();
  }
  /** The clock text of a record at offset ts (HostClock.text of its epochNs). */
  private epochs: EpochSecond | null = null;
  addTime(clock: HostClock, ts: number): void {
    const e = this.epochs = epochOf(this.epochs, clock);
    const frac = e.at(ts);
    if (frac < 0) { this.add(clock.text(clock.epochNs(ts))); return; }
    this.valid(true);
    this.room(64);
    this.pos = writeTime(this.buf, this.pos, e, frac);
    this.end();
  }
  batch(): fl.Batch<unknown> {
    return batch({ ...this.options(), offsets: aligned(this.offsets, this.n + 1), values: this.buf.subarray(0, align64(this.pos + 1)) });
  }
}

class ListBuilder extends Builder {
  private offsets = new Int32Array(256);
  private readonly items: BytesBuilder;
  constructor(type: fl.DataType & { children: { type: fl.DataType }[] }) { super(type); this.items = new BytesBuilder(type.children[0]!.type); }
  override reset(): void { super.reset(); this.offsets = new Int32Array(this.offsets.length); this.items.reset(); }
  add(v: Value): void {
    if (this.valid(v)) for (const x of v as readonly Value[]) this.items.add(x);
    this.end();
  }
  /** Raw byte strings as bytes (addBin each) or as text (addBinText each); null: an empty list. */
  addBinList(v: readonly Uint8Array[] | null | undefined): void {
    this.valid(true);
    if (v) for (const x of v) this.items.addBin(x);
    this.end();
  }
  addTextList(v: readonly Uint8Array[] | null | undefined): void {
    this.valid(true);
    if (v) for (const x of v) this.items.addBinText(x);
    this.end();
  }
  private end(): void {
    if (this.n >= this.offsets.length) this.offsets = grow(this.offsets, this.n + 1);
    this.offsets[this.n] = this.items.n;
  }
  batch(): fl.Batch<unknown> {
    return batch({ ...this.options(), offsets: aligned(this.offsets, this.n + 1), children: [this.items.batch()] });
  }
}

class DictionaryBuilder extends Builder {
  private keys = new Map<string, number>();
  private indices = new Int32Array(256);
  private last: Value = null; // hostname and boot_id: one value per capture
  private lastKey = 0;
  override reset(): void { super.reset(); this.keys = new Map(); this.indices = new Int32Array(this.indices.length); this.last = null; }
  add(v: Value): void {
    if (this.n >= this.indices.length) this.indices = grow(this.indices, this.n + 1);
    const i = this.n;
    if (!this.valid(v)) return;
    if (v !== this.last || this.keys.size === 0) {
      const s = String(v);
      let k = this.keys.get(s);
      if (k === undefined) { k = this.keys.size; this.keys.set(s, k); }
      this.last = v;
      this.lastKey = k;
    }
    this.indices[i] = this.lastKey;
  }
  batch(): fl.Batch<unknown> {
    const b = batch({ ...this.options(), values: aligned(this.indices, this.n) }) as fl.Batch<unknown> & { setDictionary(c: fl.Column<unknown>): void };
    const values = new BytesBuilder((this.type as fl.DataType & { dictionary: fl.DataType }).dictionary);
    for (const k of this.keys.keys()) values.add(k);
    b.setDictionary(new fl.Column([values.batch()]));
    return b;
  }
}

class BoolBuilder extends Builder {
  private values = new Uint8Array(64);
  override reset(): void { super.reset(); this.values = new Uint8Array(this.values.length); }
  add(v: Value): void {
    const i = this.n;
    this.valid(v);
    if (i >> 3 >= this.values.length) this.values = grow(this.values, (i >> 3) + 1);
    if (v) this.values[i >> 3]! |= 1 << (i & 7);
  }
  batch(): fl.Batch<unknown> { return batch({ ...this.options(), values: aligned(this.values, ((this.n - 1) >> 3) + 1) }); }
}

class Int32Builder extends Builder {
  private values: Int32Array | Uint32Array;
  constructor(type: fl.DataType, signed: boolean) { super(type); this.values = signed ? new Int32Array(256) : new Uint32Array(256); }
  override reset(): void { super.reset(); this.values = new (this.values.constructor as new (n: number) => Int32Array)(this.values.length); }
  add(v: Value): void {
    if (this.n >= this.values.length) this.values = grow(this.values, this.n + 1);
    const i = this.n;
    if (this.valid(v)) this.values[i] = v as number;
  }
  batch(): fl.Batch<unknown> { return batch({ ...this.options(), values: aligned(this.values, this.n) }); }
}

const TWO32 = 2 ** 32;
class Int64Builder extends Builder {
  private values = new BigInt64Array(256);
  private words = new Int32Array(this.values.buffer); // little-endian halves: a safe integer needs no BigInt
  /** A 64-bit field a record does not set reads as its message's one default Long: its value, by identity. */
  private lastObject: unknown = null;
  private lastBig = 0n;
  private epochs: EpochSecond | null = null;
  override reset(): void { super.reset(); this.values = new BigInt64Array(this.values.length); this.words = new Int32Array(this.values.buffer); }
  add(v: Value): void {
    if (this.n >= this.values.length) { this.values = grow(this.values, this.n + 1); this.words = new Int32Array(this.values.buffer); }
    const i = this.n;
    if (!this.valid(v)) return;
    if (typeof v === 'number' && Number.isSafeInteger(v)) { this.words[2 * i] = v >>> 0; this.words[2 * i + 1] = Math.floor(v / TWO32); }
    else if (typeof v === 'bigint') this.values[i] = v;
    else if (typeof v === 'object' && v === this.lastObject) this.values[i] = this.lastBig;
    else {
      this.values[i] = BigInt(v as number);
      if (typeof v === 'object') { this.lastObject = v; this.lastBig = this.values[i]!; }
    }
  }
  /** ns since the epoch of a record at offset ts (HostClock.epochNs), from the second's words. */
  addEpoch(clock: HostClock, ts: number): void {
    const e = this.epochs = epochOf(this.epochs, clock);
    const frac = e.at(ts);
    if (frac < 0) { this.add(clock.epochNs(ts)); return; }
    if (this.n >= this.values.length) { this.values = grow(this.values, this.n + 1); this.words = new Int32Array(this.values.buffer); }
    const i = this.n;
    this.valid(true);
    const lo = e.wordLo + frac; // frac < 2^30: at most one carry
    this.words[2 * i] = lo >>> 0;
    this.words[2 * i + 1] = lo >= TWO32 ? e.wordHi + 1 : e.wordHi;
  }
  batch(): fl.Batch<unknown> { return batch({ ...this.options(), values: aligned(this.values, this.n) }); }
}

function builder(type: fl.DataType, name: string): Builder {
  const t = type as fl.DataType & { typeId: number; bitWidth?: number; signed?: boolean };
  switch (t.typeId) {
    case fl.Type.Utf8: case fl.Type.Binary: return new BytesBuilder(type);
    case fl.Type.List: return new ListBuilder(type as never);
    case fl.Type.Dictionary: return new DictionaryBuilder(type);
    case fl.Type.Bool: return new BoolBuilder(type);
    case fl.Type.Int: return t.bitWidth === 64 ? new Int64Builder(type) : new Int32Builder(type, !!t.signed);
  }
  throw new Error(`no Arrow builder for type ${t.typeId} (column ${name})`);
}

/** Compiles a function of a row `r` (and `params`) whose body reads column j as `load(j)`: a named
 * load per column, so each load site sees the one shape the rows of a table share, where a load by
 * a varying name went through V8's megamorphic path for every value. */
export function compileRowCode<F>(names: readonly string[], params: readonly string[], body: (load: (j: number) => string) => string): F {
  for (const n of names) if (!/^[a-z_][a-z0-9_]*$/.test(n)) throw new Error(`column name ${JSON.stringify(n)} is not an identifier`);
  return new Function('r', ...params, body((j) => `(r.${names[j]!} ?? null)`)) as F;
}

type Append = (row: Row, b: readonly Builder[]) => void;
const appenders = new Map<string, Append>();
/** A row's values into the column builders, compiled per column list. */
function appender(names: readonly string[]): Append {
  const key = names.join(',');
  let f = appenders.get(key);
  if (!f) {
    f = compileRowCode<Append>(names, ['b'], (load) => names.map((_, j) => `b[${j}].add(${load(j)});`).join('\n'));
    appenders.set(key, f);
  }
  return f;
}

/** A record's values straight into the builders, compiled from its table's fields (no row). */
export type Feed<C, H> = (r: unknown, c: C, h: H, b: readonly Builder[]) => void;
const METHOD = { val: 'add', bin: 'addBin', bin_text: 'addBinText', list_bin: 'addBinList', list_text: 'addTextList' } as const;
export function feeder<C, H>(fields: FieldSpec): Feed<C, H> {
  const { spec, time } = epochColumns(fields);
  return compileFields(spec, (j, _n, source, expr) => (time[j] ? `T[${j}].${time[j] === 'epoch' ? 'addEpoch' : 'addTime'}(c.clock, r.ts);` : `T[${j}].${METHOD[source]}(${expr});`));
}

/** One table's rows as Arrow columns of one batch each, appended as they come. */
export class ArrowColumns {
  private builders: Builder[] = [];
  private readonly append: Append;
  constructor(private readonly columns: readonly { name: string; type: fl.DataType }[]) {
    this.append = appender(columns.map((c) => c.name));
    this.clear();
  }
  get length(): number { return this.builders[0]?.n ?? 0; }
  add(row: Row): void { this.append(row, this.builders); }
  /** A record, through its table's compiled feeder. */
  feed<C, H>(f: Feed<C, H>, r: unknown, c: C, h: H): void { f(r, c, h, this.builders); }
  /** The table so far (no batch for zero rows, as flechette does); the builders start over, sized
   * for as many rows again when `again` (export's next part), else small. */
  take(again = false): fl.Table {
    const n = this.length;
    const t = fl.tableFromColumns(this.columns.map((c, j) => [c.name, new fl.Column(n ? [this.builders[j]!.batch()] : [], c.type)] as [string, fl.Column<unknown>]));
    if (again) for (const b of this.builders) b.reset();
    else this.clear();
    return t;
  }
  private clear(): void { this.builders = this.columns.map((c) => builder(c.type, c.name)); }
}
