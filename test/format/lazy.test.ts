// The lazy fast path against protobufjs, the reference decoder: every kind, random values, and
// hostile bytes. Same records, same fields, and an error wherever the reference throws.
import { describe, it, expect } from 'vitest';
import protobuf from 'protobufjs';
import { inspect, isDeepStrictEqual } from 'node:util';
import { BODY_KINDS, CaptureReader, Reader, pb, type BodyKind, type CaptureRecord, type RecordInit } from '../../format/index.js';
import { BODY_BY_FIELD, BODY_FIELDS, COUNTED, LazyDecoder, TOUCHED, type RecordPlan } from '../../format/lazy.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeCapture, tmp } from '../helpers.js';

let seed = 7;
const rnd = (): number => { // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (t ^ (t >>> 14)) >>> 0;
};
const pick = <T>(xs: readonly T[]): T => xs[rnd() % xs.length]!;
const u32 = () => pick([0, 1, 127, 128, 16383, 16384, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 - 1, rnd()]);
const s32 = () => pick([0, -1, 1, -13, 2 ** 31 - 1, -(2 ** 31), (rnd() | 0)]);
const u64 = () => pick([0, 1, 2 ** 32, 2 ** 52 + 7, Number.MAX_SAFE_INTEGER, rnd() * 4096]);
const s64 = () => pick([0, -1, -5_000_000_000, 2 ** 40, -(2 ** 52), rnd() - 2 ** 31]);
const bytes = () => Buffer.from(Array.from({ length: pick([0, 1, 16, 300]) }, () => rnd() & 0xff));
const str = () => pick(['', 'tty', 'é\u202e', 'x'.repeat(200), '\ud800', '\0']);
const list = <T>(item: () => T): T[] => Array.from({ length: pick([0, 1, 2, 5]) }, item);

function body(kind: BodyKind): object {
  switch (kind) {
    case 'syscallError': return { nr: u32(), errno: u32(), abi: pick([0, 1]) };
    case 'open': return { path: bytes(), ret: s32(), flags: u32(), mode: u32(), dirfd: s32(), call: pick([0, 1, 2]), dir: bytes(), pathTruncated: !!(rnd() & 1), dirTruncated: !!(rnd() & 1), resolve: u64() };
    case 'ttyWrite': return { rdev: u32(), fd: u32(), data: bytes(), len: u64(), call: pick([0, 3]), isTty: !!(rnd() & 1), rows: u32(), cols: u32(), cut: !!(rnd() & 1) };
    case 'exec': return { filename: bytes(), argv: [bytes(), bytes()], ret: s32(), ino: String(rnd()), dev: u32(), truncatedArgs: [1, 2], argc: u32() };
    case 'fork': return { childPid: u32(), childTid: u32(), thread: !!(rnd() & 1) };
    case 'exit': return { code: s32(), signal: u32(), coreDumped: !!(rnd() & 1), start: s64() };
    case 'readline': return { line: bytes(), truncated: !!(rnd() & 1) };
    case 'moduleLoad': return { name: bytes(), taints: u32() };
    case 'lost': return { probe: str(), count: u64(), lane: str() };
    case 'process': return { exe: bytes(), argv: list(bytes), start: s64(), ttyRdev: u32(), cwd: bytes(), exeIno: pick(['12', String(2 ** 63), str()]), exeDev: u32() };
    case 'header': return { hostname: str(), formatMajor: 1, users: [{ uid: 1, name: str() }] };
    case 'trailer': return { clean: true, reason: str(), records: u64(), counts: [{ kind: 'open', count: 3 }] };
    case 'malformed': return { kind: str(), size: u32(), raw: bytes(), reason: str() };
    case 'cred': return { call: pick([0, 4, 7]), oldUid: u32(), oldEuid: u32(), oldSuid: u32(), oldFsuid: u32(), oldGid: u32(), oldEgid: u32(), oldSgid: u32(), oldFsgid: u32(), uid: u32(), euid: u32(), suid: u32(), fsuid: u32(), gid: u32(), egid: u32(), sgid: u32(), fsgid: u32() };
  }
}

function record(kind: BodyKind | null): Buffer {
  const r: RecordInit = { ts: u64(), pid: u32(), tid: u32(), uid: u32(), comm: bytes().subarray(0, 16), ppid: u32(), gid: u32(), cpu: u32(), cgroup: u64() };
  if (kind) (r as { [k: string]: unknown })[kind] = body(kind);
  return Buffer.from(pb.Record.encode(r).finish());
}

/** Hostile variants of an encoded record. */
function mutate(b: Buffer): Buffer {
  const m = Buffer.from(b);
  switch (rnd() % 6) {
    case 0: if (m.length) m[rnd() % m.length] ^= 1 << (rnd() % 8); return m;
    case 1: return m.subarray(0, rnd() % (m.length + 1));
    case 2: { const i = rnd() % (m.length + 1); return Buffer.concat([m.subarray(0, i), Buffer.from([rnd() & 0xff]), m.subarray(i)]); }
    case 3: return Buffer.concat([m, record(pick(BODY_KINDS))]); // a second body: protobufjs merges
    case 4: return Buffer.concat([m, Buffer.from([0xf8, 0x01, 0x05])]); // unknown field 31
    default: { const i = rnd() % (m.length + 1); return Buffer.concat([m.subarray(0, i), m.subarray(Math.min(m.length, i + 1 + (rnd() % 4)))]); }
  }
}

const decoders = new Map<RecordPlan, LazyDecoder>();
const decoderOf = (p: RecordPlan): LazyDecoder => {
  let d = decoders.get(p);
  if (!d) decoders.set(p, d = new LazyDecoder(p));
  if (p.touch) d.sink = { record() {}, touch() {} };
  return d;
};
type Outcome = { rec: CaptureRecord | null } | { error: string };
function run(bytesIn: Buffer, plan: RecordPlan | null): Outcome {
  const r = Reader.create(bytesIn);
  try {
    if (plan === null) return { rec: pb.Record.decode(r, bytesIn.length) };
    const rec = decoderOf(plan).decode(r, 0, bytesIn.length);
    return { rec: rec === TOUCHED || rec === COUNTED ? null : rec };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

const FAST: RecordPlan = { kinds: null, fields: new Map(Object.entries(BODY_FIELDS).map(([k, t]) => [k as BodyKind, new Set(Object.values(t!).map(([n]) => n))])) };
const ALWAYS = new Set<BodyKind>(['header', 'trailer']); // the reader keeps them, so the decoder decodes them whole
const NARROW: RecordPlan = { kinds: new Set<BodyKind>(['syscallError', 'open', 'exec', 'lost']), fields: new Map<BodyKind, Set<string>>([['syscallError', new Set(['nr', 'abi'])], ['open', new Set(['path', 'ret'])]]) };

/** No fields declared: each kind decoded whole (the fast path reads every field of the kinds it knows). */
const WHOLE: RecordPlan = { kinds: null, fields: new Map() };

const NONE: RecordPlan = { kinds: null, fields: new Map(Object.keys(BODY_FIELDS).map((k) => [k as BodyKind, new Set<string>()])) };

/** Every kind the fast path knows only touched (common fields to a sink): the body is checked, not decoded. */
const TOUCH: RecordPlan = { ...NONE, touch: new Set(Object.keys(BODY_FIELDS) as BodyKind[]) };

/** Throws (with the input) where the fast path and the reference disagree; plain checks, for speed. */
function compare(input: Buffer): void {
  const fail = (why: string): never => { throw new Error(`${why}: input ${input.toString('hex')}`); };
  const same = (a: unknown, b: unknown, why: string): void => { if (!isDeepStrictEqual(a, b)) fail(`${why}: ${inspect(a)} != ${inspect(b)}`); };
  const ref = run(input, null);
  const full = run(input, FAST);
  // Every field declared: exactly the reference, or an error where it errs.
  if ('error' in ref) { if (!('error' in full)) fail('the reference errs, the fast path does not'); } else same(full, ref, 'all fields');
  const whole = run(input, WHOLE);
  if ('error' in ref) { if (!('error' in whole)) fail('the reference errs, the fast path does not (whole)'); } else same(whole, ref, 'whole');
  const none = run(input, NONE);
  if ('error' in ref !== 'error' in none) fail('no body field: errors differ');
  if ('error' in ref !== 'error' in run(input, TOUCH)) fail('touched: errors differ');
  if ('rec' in none && 'rec' in ref) {
    same(none.rec!.body, ref.rec!.body, 'kind, no body field');
    same(none.rec!.comm, ref.rec!.comm, 'comm, no body field');
    same(none.rec!.ts, ref.rec!.ts, 'ts, no body field');
  }
  const narrow = run(input, NARROW);
  if ('error' in narrow) { if (!('error' in ref)) fail('the fast path errs, the reference does not'); return; }
  if (narrow.rec === null) {
    if ('rec' in ref && (NARROW.kinds!.has(ref.rec!.body!) || ALWAYS.has(ref.rec!.body!))) fail('a wanted record was skipped');
    return;
  }
  if (!('rec' in ref)) return fail('the reference errs, the narrow fast path does not');
  const want = ref.rec!;
  const got = narrow.rec;
  same(got.body, want.body, 'kind');
  if (!(NARROW.kinds!.has(got.body!) || ALWAYS.has(got.body!))) fail('an unwanted kind was yielded');
  for (const k of ['ts', 'pid', 'tid', 'uid', 'comm', 'ppid', 'gid', 'cpu', 'cgroup'] as const) same(got[k], want[k], k);
  const fields = NARROW.fields.get(got.body!);
  const g = got[got.body!] as unknown as { [k: string]: unknown };
  const w = want[want.body!] as unknown as { [k: string]: unknown };
  if (!fields || !BODY_FIELDS[got.body!]) { same(g, w, 'body'); return; }
  const Type = (pb as unknown as { [k: string]: new () => { [k: string]: unknown } });
  const blank = new (Type[w.constructor.name]!)();
  for (const [, [name]] of Object.entries(BODY_FIELDS[got.body!]!)) {
    if (fields.has(name)) same(g[name], w[name], name);
    else if (!isDeepStrictEqual(g[name], blank[name])) same(g[name], w[name], name); // a record handed to protobufjs comes whole
  }
}

describe('lazy decoding against protobufjs', () => {
  it('its field tables match capture.proto', () => {
    const root = protobuf.loadSync('format/capture.proto');
    const rec = root.lookupType('secrec.v1.Record');
    BODY_BY_FIELD.forEach((k, i) => expect(rec.fieldsById[10 + i]!.name).toBe(k));
    expect(new Set(BODY_BY_FIELD)).toEqual(new Set(BODY_KINDS));
    const scalar: { [t: string]: string } = { uint32: 'uint32', int32: 'int32', sint32: 'sint32', uint64: 'uint64', sint64: 'sint64', bool: 'bool', bytes: 'bytes', string: 'string' };
    for (const [kind, table] of Object.entries(BODY_FIELDS)) {
      const t = root.lookupType(rec.fieldsById[10 + BODY_BY_FIELD.indexOf(kind as BodyKind)]!.type);
      for (const f of t.fieldsArray) {
        const [name, type] = table![f.id]!;
        expect(name).toBe(f.name);
        expect(type).toBe(f.resolvedType ? 'int32' : f.repeated ? `${f.type}[]` : scalar[f.type]); // enums are int32 on the wire
        if (f.repeated) expect(['bytes', 'string']).toContain(f.type);
      }
      expect(Object.keys(table!).length).toBe(t.fieldsArray.length);
    }
  });

  it('decodes every kind exactly as the reference, random values', () => {
    for (let i = 0; i < 10_000; i++) compare(record(i % (BODY_KINDS.length + 1) === BODY_KINDS.length ? null : BODY_KINDS[i % BODY_KINDS.length]!));
  });

  it('agrees on 20,000 hostile variants: same records, errors where the reference errs', () => {
    for (let i = 0; i < 20_000; i++) {
      let b = record(i % (BODY_KINDS.length + 1) === BODY_KINDS.length ? null : BODY_KINDS[i % BODY_KINDS.length]!);
      for (let n = 1 + (rnd() % 3); n > 0; n--) b = mutate(b);
      compare(b);
    }
  });

  it('reads 150 damaged captures through the plan with typed issues only', async () => {
    const recs: RecordInit[] = [];
    for (let i = 0; i < 600; i++) {
      const kind = pick(['open', 'syscallError', 'ttyWrite', 'exec', 'exit', 'lost'] as const);
      recs.push({ ts: i * 10, pid: 1 + (i % 9), comm: Buffer.from('x'), [kind]: body(kind) } as RecordInit);
    }
    const { bytes } = writeCapture(recs, { frameBytes: 2048 });
    const p = join(tmp(), 'm.cap');
    const plan: RecordPlan = { kinds: new Set<BodyKind>(['syscallError', 'open']), fields: new Map([['open', new Set(['path'])]]) };
    for (let i = 0; i < 150; i++) {
      const m = Buffer.from(bytes);
      for (let k = 1 + (rnd() % 3); k > 0; k--) m[20 + (rnd() % (m.length - 20))] ^= 1 + (rnd() % 255);
      writeFileSync(p, m);
      const r = new CaptureReader(p, { plan });
      for await (const x of r.records()) if (!['syscallError', 'open', 'header', 'trailer'].includes(x.body!)) throw new Error(`unwanted ${x.body}`);
      for (const issue of r.issues) expect(['truncated', 'corrupt-frame', 'chain-mismatch', 'bad-record', 'garbage', 'frame-gap', 'bad-version']).toContain(issue.kind);
      expect(r.integrity().verdict).not.toBe('intact');
    }
  });

  it('a capture read with a plan yields the wanted records, counts the rest, and stays intact', async () => {
    const recs: RecordInit[] = [];
    for (let i = 0; i < 3000; i++) {
      const kind = pick(['open', 'syscallError', 'ttyWrite', 'fork', 'exit', 'readline'] as const);
      recs.push({ ts: i * 10, pid: 1 + (i % 9), comm: Buffer.from('x'), [kind]: body(kind) } as RecordInit);
    }
    const { path } = writeCapture(recs, { frameBytes: 4096 });
    const all: CaptureRecord[] = [];
    const r0 = new CaptureReader(path);
    for await (const x of r0.records()) all.push(x);
    const plan: RecordPlan = { kinds: new Set<BodyKind>(['syscallError']), fields: new Map([['syscallError', new Set(['nr', 'errno', 'abi'])]]) };
    const r1 = new CaptureReader(path, { plan });
    const some: CaptureRecord[] = [];
    for await (const x of r1.records()) some.push(x);
    expect(some).toEqual(all.filter((x) => x.body === 'syscallError' || x.body === 'header' || x.body === 'trailer'));
    expect(r1.recordCount).toBe(r0.recordCount);
    expect(r1.skippedRecords).toBe(all.length - some.length);
    expect(r1.integrity().text).toBe('intact');
  });
});
