// format/reader-prefetch.ts: a reader with inflate workers yields what the reader alone yields —
// the same records, issues, counts and integrity — on clean captures and on damaged ones (flipped
// bytes anywhere, damaged records inside sound frames, a truncated tail), through frames() and
// read(sink); and the workers did the frames (decompressed frames not done in the reader thread).
import { describe, it, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CaptureReader, MAGIC_LEN, type BodyKind, type CaptureRecord, type RecordInit } from '../../format/index.js';
import type { RecordPlan } from '../../format/lazy.js';
import { writeCapture, tmp } from '../helpers.js';
import { assemble, rawFrames } from './surgery.js';

let seed = 29;
const rnd = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };

function mix(n: number): RecordInit[] {
  const recs: RecordInit[] = [];
  for (let i = 0; i < n; i++) {
    const base = { ts: 1000 + i * 10, pid: 100 + rnd(30), tid: 7, uid: rnd(3), ppid: 1, comm: Buffer.from(['sh', 'cat'][rnd(2)]!) };
    const k = rnd(4);
    if (k === 0) recs.push({ ...base, open: { path: Buffer.from(`/etc/f${rnd(5)}`), ret: rnd(2) ? 3 : -13 } });
    else if (k === 1) recs.push({ ...base, syscallError: { nr: 257, errno: rnd(2) ? 13 : 1 } });
    else if (k === 2) recs.push({ ...base, exec: { filename: Buffer.from(`/bin/x${i}`), argv: [Buffer.from('x')] } });
    else recs.push({ ...base, ttyWrite: { fd: 1, data: Buffer.from(`out ${i}\n`), len: 8 } });
  }
  return recs;
}

const COUNT: RecordPlan = {
  kinds: new Set<BodyKind>(['syscallError', 'open']),
  fields: new Map<BodyKind, Set<string>>([['syscallError', new Set(['nr', 'errno'])], ['open', new Set(['path', 'ret'])]]),
  counted: new Set<BodyKind>(['syscallError']),
};

async function viaFrames(path: string, workers: number): Promise<{ recs: CaptureRecord[]; r: CaptureReader }> {
  const r = new CaptureReader(path, { workers });
  const recs: CaptureRecord[] = [];
  for await (const f of r.frames()) recs.push(...f.records);
  return { recs, r };
}

async function viaSink(path: string, workers: number): Promise<{ got: [CaptureRecord, number][]; r: CaptureReader }> {
  const r = new CaptureReader(path, { plan: COUNT, workers });
  r.countWindow = { since: undefined, until: undefined };
  const got: [CaptureRecord, number][] = [];
  await r.read({ record: (rec, n) => { got.push([rec, n]); }, touch: () => {} });
  return { got, r };
}

const summary = (r: CaptureReader) => ({ issues: r.issues, records: r.recordCount, frames: r.frameCount, integrity: r.integrity(), bytes: r.uncompressedBytes });

describe('reader with inflate workers', () => {
  const dir = tmp();
  const { bytes, path } = writeCapture(mix(6000), { frameBytes: 4096 });

  it('yields the same records and counts as the reader alone, the frames decompressed by the workers', async () => {
    const alone = await viaFrames(path, 0);
    const helped = await viaFrames(path, 2);
    expect(helped.recs).toEqual(alone.recs);
    expect(summary(helped.r)).toEqual(summary(alone.r));
    expect(helped.r.integrity().text).toBe('intact');
    expect(alone.r.workerFrames).toBe(0);
    expect(helped.r.workerFrames).toBe(helped.r.frameCount);
    const a = await viaSink(path, 0);
    const b = await viaSink(path, 2);
    expect(b.got).toEqual(a.got);
    expect(summary(b.r)).toEqual(summary(a.r));
    expect(b.r.workerFrames).toBeGreaterThan(b.r.frameCount / 2);
  });

  it('damaged and truncated captures: the same records, issues and integrity as the reader alone', async () => {
    const p = join(dir, 'd.cap');
    for (let i = 0; i < 12; i++) {
      let m = Buffer.from(bytes);
      if (i % 3 === 0) for (let k = 1 + rnd(3); k > 0; k--) m[20 + rnd(m.length - 20)] ^= 1 + rnd(255);
      else if (i % 3 === 1) {
        const frames = rawFrames(m);
        for (let k = 1 + rnd(4); k > 0; k--) { const f = frames[rnd(frames.length)]!.raw; f[rnd(f.length)] ^= 1 + rnd(255); }
        m = assemble(m.subarray(0, MAGIC_LEN), frames);
      } else {
        m = m.subarray(0, MAGIC_LEN + rnd(m.length - MAGIC_LEN));
      }
      writeFileSync(p, m);
      const alone = await viaFrames(p, 0);
      const helped = await viaFrames(p, 2);
      expect(helped.recs).toEqual(alone.recs);
      expect(summary(helped.r)).toEqual(summary(alone.r));
      const a = await viaSink(p, 0);
      const b = await viaSink(p, 1);
      expect(b.got).toEqual(a.got);
      expect(summary(b.r)).toEqual(summary(a.r));
    }
  }, 60_000);
});
