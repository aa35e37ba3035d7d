// Rows → Arrow batches, built straight into typed arrays. flechette's generic builders encode each
// string with a TextEncoder and go through a builder object per value; these write UTF-8 into one
// buffer per column. The arrays have flechette's shapes (lengths padded to 8 bytes, an empty
// validity bitmap when nothing is null, first-seen dictionary order), so the IPC bytes are the same.
import * as fl from '@uwdata/flechette';
import type { Row, Value } from './tables.js';

/** Elements of `bpe` bytes in `length` elements padded to a multiple of 8 bytes. */
const align64 = (length: number, bpe = 1): number => (((length * bpe) + 7) & ~7) / bpe;

/** A growable, zero-filled byte buffer (its padding must stay zero: it is written to files). */
class ByteBuffer {
  buf = Buffer.alloc(1 << 12);
  pos = 0;
  room(n: number): void {
    if (this.pos + n + 8 <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.pos + n + 8));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  /** The written bytes plus at least one zero byte, padded to 8. */
  done(): Uint8Array { return this.buf.subarray(0, align64(this.pos + 1)); }
}

/** Validity bits of n values; counts the nulls. */
class Validity {
  readonly bits: Uint8Array;
  nulls = 0;
  constructor(n: number) { this.bits = new Uint8Array(align64(((n - 1) >> 3) + 1)); }
  valid(v: unknown, i: number): boolean {
    if (v === null || v === undefined) { this.nulls++; return false; }
    this.bits[i >> 3]! |= 1 << (i & 7);
    return true;
  }
  get done(): Uint8Array { return this.nulls ? this.bits : new Uint8Array(0); }
}

type BatchOptions = { length: number; nullCount: number; type: fl.DataType; validity: Uint8Array; values?: unknown; offsets?: Int32Array; children?: fl.Batch<unknown>[] };
const batch = (o: BatchOptions): fl.Batch<unknown> => new (fl.batchType(o.type) as unknown as new (o: BatchOptions) => fl.Batch<unknown>)(o);

/** Variable-length values (utf8 or binary) of one batch. */
function bytesBatch(type: fl.DataType, values: readonly Value[] | readonly (string | null)[]): fl.Batch<unknown> {
  const n = values.length;
  const ok = new Validity(n);
  const offsets = new Int32Array(align64(n + 1, 4));
  const out = new ByteBuffer();
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (ok.valid(v, i)) {
      if (typeof v === 'string') { out.room(v.length * 3); out.pos += out.buf.write(v, out.pos); }
      else if (v instanceof Uint8Array) { out.room(v.length); out.buf.set(v, out.pos); out.pos += v.length; }
      else { const s = String(v); out.room(s.length * 3); out.pos += out.buf.write(s, out.pos); }
    }
    offsets[i + 1] = out.pos;
  }
  return batch({ length: n, nullCount: ok.nulls, type, validity: ok.done, offsets, values: out.done() });
}

function listBatch(type: fl.DataType & { children: { type: fl.DataType }[] }, values: readonly Value[]): fl.Batch<unknown> {
  const n = values.length;
  const ok = new Validity(n);
  const offsets = new Int32Array(align64(n + 1, 4));
  const items: Value[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[i] as readonly Value[] | null;
    if (ok.valid(v, i)) for (const x of v!) items.push(x);
    offsets[i + 1] = items.length;
  }
  return batch({ length: n, nullCount: ok.nulls, type, validity: ok.done, offsets, children: [bytesBatch(type.children[0]!.type, items)] });
}

function dictionaryBatch(type: fl.DataType & { dictionary: fl.DataType }, values: readonly Value[]): fl.Batch<unknown> {
  const n = values.length;
  const ok = new Validity(n);
  const keys = new Map<string, number>();
  const indices = new Int32Array(align64(n, 4));
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!ok.valid(v, i)) continue;
    const s = String(v);
    let k = keys.get(s);
    if (k === undefined) { k = keys.size; keys.set(s, k); }
    indices[i] = k;
  }
  const b = batch({ length: n, nullCount: ok.nulls, type, validity: ok.done, values: indices }) as fl.Batch<unknown> & { setDictionary(c: fl.Column<unknown>): void };
  b.setDictionary(new fl.Column([bytesBatch(type.dictionary, [...keys.keys()])]));
  return b;
}

function boolBatch(type: fl.DataType, values: readonly Value[]): fl.Batch<unknown> {
  const n = values.length;
  const ok = new Validity(n);
  const bits = new Uint8Array(ok.bits.length);
  for (let i = 0; i < n; i++) { const v = values[i]; ok.valid(v, i); if (v) bits[i >> 3]! |= 1 << (i & 7); }
  return batch({ length: n, nullCount: ok.nulls, type, validity: ok.done, values: bits });
}

function intBatch(type: fl.DataType, values: readonly Value[], Array: Int32ArrayConstructor | Uint32ArrayConstructor): fl.Batch<unknown> {
  const n = values.length;
  const ok = new Validity(n);
  const out = new Array(align64(n, 4));
  for (let i = 0; i < n; i++) { const v = values[i]; if (ok.valid(v, i)) out[i] = v as number; }
  return batch({ length: n, nullCount: ok.nulls, type, validity: ok.done, values: out });
}

const TWO32 = 2 ** 32;
function int64Batch(type: fl.DataType, values: readonly Value[]): fl.Batch<unknown> {
  const n = values.length;
  const ok = new Validity(n);
  const out = new BigInt64Array(n);
  const words = new Int32Array(out.buffer); // little-endian halves: a safe integer needs no BigInt
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!ok.valid(v, i)) continue;
    if (typeof v === 'number' && Number.isSafeInteger(v)) { words[2 * i] = v >>> 0; words[2 * i + 1] = Math.floor(v / TWO32); }
    else out[i] = typeof v === 'bigint' ? v : BigInt(v as number);
  }
  return batch({ length: n, nullCount: ok.nulls, type, validity: ok.done, values: out });
}

/** One column's values as an Arrow column of one batch (none for zero rows, as flechette does). */
export function arrowColumn(type: fl.DataType, name: string, values: readonly Value[]): fl.Column<unknown> {
  if (!values.length) return new fl.Column([], type);
  const t = type as fl.DataType & { typeId: number; bitWidth?: number; signed?: boolean };
  switch (t.typeId) {
    case fl.Type.Utf8: case fl.Type.Binary: return new fl.Column([bytesBatch(type, values)], type);
    case fl.Type.List: return new fl.Column([listBatch(type as never, values)], type);
    case fl.Type.Dictionary: return new fl.Column([dictionaryBatch(type as never, values)], type);
    case fl.Type.Bool: return new fl.Column([boolBatch(type, values)], type);
    case fl.Type.Int:
      if (t.bitWidth === 64) return new fl.Column([int64Batch(type, values)], type);
      return new fl.Column([intBatch(type, values, t.signed ? Int32Array : Uint32Array)], type);
  }
  throw new Error(`no Arrow builder for type ${t.typeId} (column ${name})`);
}

type Transpose = (rows: readonly Row[], out: Value[][]) => void;
const transposers = new Map<string, Transpose>();
/** Rows → one array per column (null for a missing value). The copy is compiled per column list,
 * with a named load per column: the rows of a table share a shape, so each load site sees one,
 * where a load by a varying name went through V8's megamorphic path for every value. */
export function transpose(names: readonly string[], rows: readonly Row[]): Value[][] {
  const key = names.join(',');
  let f = transposers.get(key);
  if (!f) {
    for (const n of names) if (!/^[a-z_][a-z0-9_]*$/.test(n)) throw new Error(`column name ${JSON.stringify(n)} is not an identifier`);
    const loads = names.map((n, j) => `out[${j}][i] = r.${n} ?? null;`).join(' ');
    f = new Function('rows', 'out', `for (let i = 0; i < rows.length; i++) { const r = rows[i]; ${loads} }`) as Transpose;
    transposers.set(key, f);
  }
  const out = names.map(() => new Array<Value>(rows.length));
  f(rows, out);
  return out;
}
