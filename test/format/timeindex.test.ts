// The time index: frames wholly outside --since/--until are not decompressed, and what a view
// shows (stdout and warnings) is the same as a full read, on sound, damaged and foreign indexes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RecordInit } from '../../format/index.js';
import { buildIndex, ensureIndex, indexPathOf, loadIndex, validIndex, type TimeIndex } from '../../format/timeindex.js';
import { run, type View } from '../../analyzer/pipeline.js';
import { MemorySink } from '../../analyzer/render.js';
import { epermView } from '../../analyzer/views/eperm.js';
import { opensView } from '../../analyzer/views/opens.js';
import { execsView } from '../../analyzer/views/execs.js';
import { HEADER, tmp, writeCapture } from '../helpers.js';
import { piecesOf } from './surgery.js';

const START = 0; // record times are offsets from the capture start, in ns
const STEP = 50_000; // ns between records
const N = 40_000;

function records(n: number, seed = 0): RecordInit[] {
  const out: RecordInit[] = [];
  const comms = ['cat', 'bash', 'curl'].map((s) => Buffer.from(s));
  for (let i = 0; i < n; i++) {
    const base = { ts: START + (i + 1) * STEP, pid: 4000 + (i % 7), tid: 4000 + (i % 7), uid: i % 2 ? 0 : 1000, comm: comms[(i + seed) % 3]!, ppid: 1, cpu: 0 };
    if (i === 25_000) out.push({ ...base, lost: { probe: 'open', count: 3 } });
    out.push(i % 3 ? { ...base, syscallError: { nr: [257, 105][i % 2]!, errno: i % 5 ? 13 : 1 } } : { ...base, open: { path: Buffer.from(`/etc/f${i % 11}`), ret: i % 4 ? 3 : -13, flags: 0, dirfd: -100 } });
  }
  return out;
}

async function view(file: string, v: () => View, times: { since?: string; until?: string }, index: TimeIndex | null) {
  const sink = new MemorySink();
  const warnings: string[] = [];
  const ctx = await run(v(), { file, format: 'text', output: sink, filters: {}, times, index, warn: (m) => warnings.push(m) });
  return { text: sink.bytes.toString('utf8'), warnings, decompressed: ctx.reader.decompressedFrames, passed: ctx.reader.passedFrames, frames: ctx.reader.frameCount };
}

const seconds = (ns: number): string => String(ns / 1e9);
const last = START + N * STEP;

describe('time index', () => {
  const { path } = writeCapture(records(N), { frameBytes: 8192, header: HEADER });

  it('records every frame after the first with its times; the header frame and the loss are pinned', async () => {
    const index = await buildIndex(path);
    expect(index.frames.length).toBeGreaterThan(60);
    for (const s of index.frames) expect(s.minTs).toBeLessThanOrEqual(s.maxTs);
    expect(index.frames.filter((s) => s.pinned).length).toBeGreaterThanOrEqual(2); // the loss, the trailer
    expect(validIndex(JSON.parse(JSON.stringify(index)), index.size)).not.toBeNull();
  });

  for (const [name, v] of [['eperm', () => epermView()], ['opens', () => opensView({ timestamp: true })], ['eperm --list', () => epermView('comm-syscall', { list: true })]] as const) {
    it(`${name} --since over the last 10 % reads at most 15 % of the frames, and shows the same`, async () => {
      const index = await buildIndex(path);
      const times = { since: seconds(last - START - (N * STEP) / 10) };
      const full = await view(path, v, times, null);
      const fast = await view(path, v, times, index);
      expect(fast.text).toBe(full.text);
      expect(fast.warnings).toEqual(full.warnings);
      expect(full.decompressed).toBe(full.frames);
      expect(fast.decompressed).toBeLessThanOrEqual(Math.ceil(0.15 * fast.frames));
      expect(fast.passed).toBeGreaterThan(0);
    });
  }

  it('--until over the first 10 % and a window in the middle: the same as a full read', async () => {
    const index = await buildIndex(path);
    for (const times of [{ until: seconds((N * STEP) / 10) }, { since: seconds((N * STEP) / 2), until: seconds((N * STEP) * 0.55) }]) {
      expect((await view(path, () => epermView(), times, null)).warnings.join("\n")).not.toMatch(/no record in the window/);
      const full = await view(path, () => epermView(), times, null);
      const fast = await view(path, () => epermView(), times, index);
      expect(fast.text).toBe(full.text);
      expect(fast.warnings).toEqual(full.warnings);
      expect(fast.decompressed).toBeLessThanOrEqual(Math.ceil(0.2 * fast.frames));
      expect(full.text).toMatch(/EACCES/);
    }
  });

  it('an index of another capture passes over nothing and changes nothing', async () => {
    const other = writeCapture(records(N, 1), { frameBytes: 8192, header: HEADER });
    const foreign = await buildIndex(other.path);
    const times = { since: seconds((N * STEP) * 0.9) };
    const full = await view(path, () => epermView(), times, null);
    const fast = await view(path, () => epermView(), times, { ...foreign, size: full.frames });
    expect(fast.text).toBe(full.text);
    expect(fast.passed).toBe(0);
  });

  it('a view that keeps the process tree reads every frame', async () => {
    const index = await buildIndex(path);
    const times = { since: seconds((N * STEP) * 0.9) };
    const full = await view(path, () => execsView({}), times, null);
    const fast = await view(path, () => execsView({}), times, index);
    expect(fast.text).toBe(full.text);
    expect(fast.passed).toBe(0);
  });

  it('a damaged capture: its index pins the damaged frame; the output and the damage reported are the same', async () => {
    const { bytes } = writeCapture(records(N), { frameBytes: 8192, header: HEADER });
    const pieces = piecesOf(bytes);
    const bad = Buffer.from(bytes);
    const victim = pieces[Math.floor(pieces.length * 0.3)]!;
    bad[victim.at + 64 + 20] ^= 0xff; // inside the zstd frame: the chain and the frame both fail
    const p = join(tmp(), 'bad.cap');
    writeFileSync(p, bad);
    const index = await buildIndex(p);
    for (const times of [{ since: seconds((N * STEP) * 0.9) }, { since: seconds((N * STEP) * 0.2) , until: seconds((N * STEP) * 0.4) }]) {
      const full = await view(p, () => epermView(), times, null);
      const fast = await view(p, () => epermView(), times, index);
      expect(fast.text).toBe(full.text);
      expect(fast.warnings).toEqual(full.warnings);
      expect(full.warnings.join('\n')).toMatch(/does not (match|decompress)/);
      expect(full.text).toMatch(/EACCES/);
      expect(fast.passed).toBeGreaterThan(0);
    }
  });

  it('a capture whose trailer (or any record) has no time: its index is valid and used again', async () => {
    const recs = records(2000);
    recs.push({ ...recs[0]!, ts: 0 }); // the trailer takes the last record's time: none
    const { path: p } = writeCapture(recs, { frameBytes: 8192, header: HEADER });
    const notes: string[] = [];
    await ensureIndex(p, (m) => notes.push(m));
    expect(loadIndex(p)).not.toBeNull();
    await ensureIndex(p, (m) => notes.push(m));
    expect(notes.length).toBe(1);
  });

  it('is cached beside the capture only by ensureIndex, and a stale or malformed file is not used', async () => {
    const { path: p } = writeCapture(records(2000), { frameBytes: 8192, header: HEADER });
    expect(loadIndex(p)).toBeNull();
    const notes: string[] = [];
    const made = await ensureIndex(p, (m) => notes.push(m));
    expect(notes[0]).toContain(indexPathOf(p));
    expect(loadIndex(p)).toEqual(made);
    writeFileSync(indexPathOf(p), JSON.stringify({ ...made, size: made.size + 1 }));
    expect(loadIndex(p)).toBeNull();
    writeFileSync(indexPathOf(p), JSON.stringify({ ...made, frames: [{ ...made.frames[0], minTs: -1 }] }));
    expect(loadIndex(p)).toBeNull();
    writeFileSync(indexPathOf(p), '{"version":1,');
    expect(loadIndex(p)).toBeNull();
  });
});
