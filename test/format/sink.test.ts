// CaptureReader.read(sink): the same records, issues and counts as frames(), with the plan's touch
// kinds as touch() calls in order and its counted kinds once per frame with their number; the bytes
// handed out stay valid after the frame buffer is reused. On clean and on damaged captures.
import { describe, it, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CaptureReader, type BodyKind, type CaptureRecord, type RecordInit } from '../../format/index.js';
import type { RecordPlan } from '../../format/lazy.js';
import { ByteStream } from '../../format/bytes.js';
import { writeCapture, tmp } from '../helpers.js';
import { assemble, rawFrames } from './surgery.js';
import { MAGIC_LEN } from '../../format/index.js';

let seed = 11;
const rnd = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };

/** A mix: opens, syscall errors, tty writes, and forks/execs/exits (decoded whole, by protobufjs). */
function mix(n: number, pids: number): RecordInit[] {
  const recs: RecordInit[] = [];
  for (let i = 0; i < n; i++) {
    const base = { ts: 1000 + i * 10, pid: 100 + rnd(pids), tid: 7, uid: rnd(3), ppid: 1 + rnd(2), comm: Buffer.from(['sh', 'cat', 'a-very-long-comm-name-x'][rnd(3)]!) };
    const k = rnd(10);
    if (k < 4) recs.push({ ...base, open: { path: Buffer.from(`/etc/f${rnd(5)}`), ret: rnd(2) ? 3 : -13, flags: rnd(4) } });
    else if (k < 7) recs.push({ ...base, syscallError: { nr: [257, 105][rnd(2)]!, errno: rnd(2) ? 13 : 1, abi: rnd(2) } });
    else if (k < 8) recs.push({ ...base, ttyWrite: { fd: 1, data: Buffer.from(`out ${i}\n`), len: 8 } });
    else if (k < 9) recs.push({ ...base, exec: { filename: Buffer.from(`/bin/x${i}`), argv: [Buffer.from('x'), Buffer.from(`--n=${i}`)] } });
    else recs.push({ ...base, fork: { childPid: 5000 + i, childTid: 5000 + i } });
  }
  return recs;
}

type Event = ['record', CaptureRecord, number] | ['touch', number, number, number, number, string];

async function viaSink(path: string, plan: RecordPlan, window: { since?: number; until?: number } | null): Promise<{ ev: Event[]; r: CaptureReader }> {
  const r = new CaptureReader(path, { plan });
  if (window) r.countWindow = { since: window.since, until: window.until };
  const ev: Event[] = [];
  await r.read({
    record: (rec, n) => { ev.push(['record', rec, n]); },
    touch: (ts, pid, ppid, uid, comm) => { ev.push(['touch', ts, pid, ppid, uid, comm ? comm.toString('hex') : '']); },
  });
  return { ev, r };
}

async function viaFrames(path: string, plan: RecordPlan): Promise<{ recs: CaptureRecord[]; r: CaptureReader }> {
  const r = new CaptureReader(path, { plan });
  const recs: CaptureRecord[] = [];
  for await (const f of r.frames()) recs.push(...f.records);
  return { recs, r };
}

const TOUCH: RecordPlan = {
  kinds: null,
  fields: new Map<BodyKind, Set<string>>([['open', new Set()], ['syscallError', new Set()], ['ttyWrite', new Set()]]),
  touch: new Set<BodyKind>(['open', 'syscallError', 'ttyWrite']),
};
const COUNT: RecordPlan = {
  kinds: new Set<BodyKind>(['syscallError', 'open']),
  fields: new Map<BodyKind, Set<string>>([['syscallError', new Set(['nr', 'errno', 'abi'])], ['open', new Set(['path', 'ret'])]]),
  counted: new Set<BodyKind>(['syscallError']),
  countEntries: 2048, // small, so that 3000 pids fill the table (an early flush)
};

/** What frames() yields, with touch kinds as touch events (what read() must give, in this order). */
function expectedTouch(recs: CaptureRecord[]): Event[] {
  return recs.map((x): Event => (TOUCH.touch!.has(x.body!)
    ? ['touch', x.ts, x.pid, x.ppid, x.uid, x.comm && x.comm.length ? Buffer.from(x.comm).toString('hex') : '']
    : ['record', x, 1]));
}

/** A touch kind the fast path leaves to protobufjs (unusual bytes) comes as a record: the same to the tree. */
const asTouch = (ev: Event[]): Event[] => ev.map((e) => (e[0] === 'record' && TOUCH.touch!.has(e[1].body!) ? expectedTouch([e[1]])[0]! : e));

/** Counted records as "pid uid comm kind body-json" -> number, plain records as they come. */
function tally(pairs: Array<[CaptureRecord, number]>, counted: (r: CaptureRecord) => boolean): { counts: Map<string, number>; plain: CaptureRecord[] } {
  const counts = new Map<string, number>();
  const plain: CaptureRecord[] = [];
  for (const [x, n] of pairs) {
    if (!counted(x)) { expect(n).toBe(1); plain.push(x); continue; }
    const k = `${x.pid} ${x.uid} ${Buffer.from(x.comm ?? []).toString('hex')} ${x.body} ${JSON.stringify(x[x.body!])}`;
    counts.set(k, (counts.get(k) ?? 0) + n);
  }
  return { counts, plain };
}

describe('read(sink)', () => {
  const dir = tmp();

  it('touch kinds come as touch() calls in record order; the others as records; same counts', async () => {
    const { path } = writeCapture(mix(6000, 40), { frameBytes: 8192 });
    const a = await viaSink(path, TOUCH, null);
    const b = await viaFrames(path, TOUCH);
    expect(a.ev.filter((e) => e[0] === 'touch').length).toBeGreaterThan(3000);
    expect(a.ev).toEqual(expectedTouch(b.recs));
    expect(a.r.recordCount).toBe(b.r.recordCount);
    expect(a.r.integrity().text).toBe('intact');
  });

  it('counted kinds: the same numbers per distinct record, inside the window only, past a full table', async () => {
    // 3000 pids: more distinct records in one frame than the table holds (an early flush)
    for (const [pids, frameBytes] of [[40, 8192], [3000, 1 << 20]] as const) {
      const { path } = writeCapture(mix(20000, pids), { frameBytes });
      for (const window of [{}, { since: 50_000, until: 150_000 }]) {
        const a = await viaSink(path, COUNT, window);
        const b = await viaFrames(path, COUNT);
        const inWindow = (x: CaptureRecord): boolean => x.body === 'syscallError' && (window.since === undefined || (x.ts >= window.since && x.ts <= window.until!));
        const got = tally(a.ev.map((e) => [e[1] as CaptureRecord, e[2] as number]), inWindow);
        const want = tally(b.recs.map((x) => [x, 1]), inWindow);
        expect(got.counts).toEqual(want.counts);
        expect(got.plain).toEqual(want.plain); // opens, header, trailer and the syscall errors outside the window, in order
        if (pids === 40) expect([...got.counts.values()].some((n) => n > 1)).toBe(true);
        else expect(got.counts.size).toBeGreaterThan(2048 + 1000);
        expect(a.r.recordCount).toBe(b.r.recordCount);
      }
    }
  });

  it('nothing is counted before the window is known', async () => {
    const { path } = writeCapture(mix(2000, 5), { frameBytes: 8192 });
    const a = await viaSink(path, COUNT, null);
    expect(a.ev.every((e) => e[2] === 1)).toBe(true);
    expect(a.ev.filter((e) => (e[1] as CaptureRecord).body === 'syscallError').length).toBeGreaterThan(400);
  });

  it('records keep their bytes after the frame buffer is reused (opens, execs, long comms)', async () => {
    const { path } = writeCapture(mix(4000, 20), { frameBytes: 4096 });
    const plan: RecordPlan = { kinds: null, fields: new Map([['open', new Set(['path'])], ['ttyWrite', new Set(['data'])]]) };
    const a = await viaSink(path, plan, null);
    const b = await viaFrames(path, plan);
    expect(a.ev.map((e) => e[1])).toEqual(b.recs);
    expect(b.recs.some((x) => x.exec && x.exec.argv.length === 2)).toBe(true);
  });

  it('damaged captures: the same records, touches and issues as frames()', async () => {
    const { bytes } = writeCapture(mix(1500, 10), { frameBytes: 2048 });
    const p = join(dir, 'd.cap');
    for (let i = 0; i < 120; i++) {
      let m = Buffer.from(bytes);
      if (i % 2) for (let k = 1 + rnd(3); k > 0; k--) m[20 + rnd(m.length - 20)] ^= 1 + rnd(255);
      else {
        // damage inside frames whose chain and zstd checksum hold: records, not frames, go wrong
        const frames = rawFrames(m);
        for (let k = 1 + rnd(4); k > 0; k--) { const f = frames[rnd(frames.length)]!.raw; f[rnd(f.length)] ^= 1 + rnd(255); }
        m = assemble(m.subarray(0, MAGIC_LEN), frames);
      }
      writeFileSync(p, m);
      const a = await viaSink(p, TOUCH, null);
      const b = await viaFrames(p, TOUCH);
      expect(asTouch(a.ev)).toEqual(expectedTouch(b.recs));
      expect(a.r.issues).toEqual(b.r.issues);
      expect(a.r.recordCount).toBe(b.r.recordCount);
      expect(a.r.integrity()).toEqual(b.r.integrity());
    }
  });

  it('damaged captures through a counting plan: the same counts, plain records and issues as frames()', async () => {
    const { bytes } = writeCapture(mix(1500, 10), { frameBytes: 2048 });
    const p = join(dir, 'dc.cap');
    const counted = (x: CaptureRecord): boolean => x.body === 'syscallError';
    for (let i = 0; i < 120; i++) {
      const frames = rawFrames(Buffer.from(bytes));
      for (let k = 1 + rnd(4); k > 0; k--) { const f = frames[rnd(frames.length)]!.raw; f[rnd(f.length)] ^= 1 + rnd(255); }
      writeFileSync(p, assemble(bytes.subarray(0, MAGIC_LEN), frames));
      const a = await viaSink(p, COUNT, {});
      const b = await viaFrames(p, COUNT);
      const got = tally(a.ev.map((e) => [e[1] as CaptureRecord, e[2] as number]), counted);
      const want = tally(b.recs.map((x) => [x, 1]), counted);
      expect(got.counts).toEqual(want.counts);
      expect(got.plain).toEqual(want.plain);
      expect(a.r.issues).toEqual(b.r.issues);
      expect(a.r.recordCount).toBe(b.r.recordCount);
    }
  });

  it('countBy: records that differ only in what is not counted by come as one', async () => {
    const { path } = writeCapture(mix(6000, 40), { frameBytes: 8192 });
    const byComm = await viaSink(path, { ...COUNT, countBy: { pid: false, uid: false } }, {});
    const all = await viaSink(path, COUNT, {});
    const key = (x: CaptureRecord): string => `${Buffer.from(x.comm ?? []).toString('hex')} ${JSON.stringify(x.syscallError)}`;
    const sum = (ev: Event[]): Map<string, number> => {
      const m = new Map<string, number>();
      for (const e of ev) if (e[0] === 'record' && e[1].body === 'syscallError') m.set(key(e[1]), (m.get(key(e[1])) ?? 0) + e[2]);
      return m;
    };
    const n = (ev: Event[]): number => ev.filter((e) => e[0] === 'record' && e[1].body === 'syscallError').length;
    expect(sum(byComm.ev)).toEqual(sum(all.ev));
    expect(n(byComm.ev)).toBe(sum(all.ev).size); // one per comm and body
    expect(n(all.ev)).toBeGreaterThan(n(byComm.ev));
  });

  it('ByteStream reads a file in small chunks as it is', async () => {
    const { path, bytes } = writeCapture(mix(300, 5), { frameBytes: 1024 });
    const s = ByteStream.fromFile(path, 7);
    const got: Buffer[] = [];
    for (let n = 1; await s.ensure(1); n = (n % 50) + 1) {
      const ok = await s.ensure(n);
      const take = ok ? n : s.available;
      expect(s.indexOf(bytes.subarray(s.offset, s.offset + Math.min(3, s.available)))).toBe(0);
      got.push(Buffer.from(s.take(take)));
    }
    await s.close();
    expect(Buffer.concat(got).equals(bytes)).toBe(true);
  });
});
