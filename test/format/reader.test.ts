// Regression tests for the reader's defects of issue 15 (items 2, 3 and 9), each built with the
// real writer plus byte surgery.
import { describe, it, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CaptureReader, LIMITS, pb, Writer, type CaptureRecord, type RecordInit } from '../../format/index.js';
import { writeCapture, tmp } from '../helpers.js';
import { assemble, piecesOf, rawFrames, recordSpans } from './surgery.js';

const b = (s: string) => Buffer.from(s);
const lines = (n: number): RecordInit[] => Array.from({ length: n }, (_, i) => ({ ts: i, pid: 1, comm: b('a'), readline: { line: b(`cmd ${i}`) } }));

async function read(bytes: Buffer, opts: ConstructorParameters<typeof CaptureReader>[1] = {}) {
  const p = join(tmp(), 'r.cap');
  writeFileSync(p, bytes);
  const r = new CaptureReader(p, opts);
  const recs: CaptureRecord[] = [];
  for await (const rec of r.records()) recs.push(rec);
  return { r, recs, lines: recs.filter((x) => x.readline).map((x) => Buffer.from(x.readline!.line!).toString()) };
}

/** A multi-frame capture and the readline texts of each frame. */
function multi() {
  const { bytes } = writeCapture(lines(200), { frameBytes: 512 });
  const pieces = piecesOf(bytes);
  const perFrame = rawFrames(bytes).map((f) => {
    const texts: string[] = [];
    for (const [s, e] of recordSpans(f.raw)) {
      const rec = pb.Record.decode(f.raw.subarray(s, e).subarray(f.raw[s + 1]! < 0x80 ? 2 : 3));
      if (rec.readline) texts.push(Buffer.from(rec.readline.line!).toString());
    }
    return texts;
  });
  return { bytes, pieces, perFrame };
}

describe('reader: resynchronises byte-wise after damage (issue 15.3)', () => {
  it('a byte deleted inside frame 2 loses no record of frame 3, and blames frame 2', async () => {
    const { bytes, pieces, perFrame } = multi();
    const cut = pieces[2]!.at + 64 + 40;
    const m = Buffer.concat([bytes.subarray(0, cut), bytes.subarray(cut + 1)]);
    const { r, lines: got } = await read(m);
    for (const t of perFrame[3]!) expect(got).toContain(t);
    for (const t of perFrame.slice(3).flat()) expect(got).toContain(t);
    expect(r.integrity().text).toBe('frame 2 does not match');
    expect(r.issues.find((i) => i.kind === 'corrupt-frame')!.frame).toBe(2);
    expect(r.describeIssues().map((m) => m.replace(/^.*?: /, ''))).toEqual([
      `byte ${pieces[2]!.at}, frame 2: frame 2 does not match the SHA-256 chain`,
      expect.stringMatching(new RegExp(`^byte ${pieces[2]!.at}, frame 2: frame 2 does not decompress \\(.+\\); resumed at byte ${pieces[3]!.at - 1} \\(\\d+ bytes skipped\\)$`)),
      expect.stringMatching(/: end marker counts \d+ frames and \d+ records, read \d+ and \d+$/),
    ]);
  });

  it('every 1-64-byte deletion inside frame 2 keeps every record of the frames after it', async () => {
    const { bytes, pieces, perFrame } = multi();
    const f2 = pieces[2]!;
    const after = perFrame.slice(3).flat();
    let cases = 0;
    for (let len = 1; len <= 64; len += 3) {
      for (let off = 0; off + len <= 64 + f2.prefix.compressedLen; off += 37) {
        const cut = f2.at + off;
        const { r, lines: got } = await read(Buffer.concat([bytes.subarray(0, cut), bytes.subarray(cut + len)]));
        expect(got.filter((t) => after.includes(t))).toEqual(after);
        expect(r.integrity().verdict).toBe('damaged');
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(100);
  });

  it('a duplicated prefix loses nothing', async () => {
    const { bytes, pieces, perFrame } = multi();
    const at = pieces[2]!.at;
    const m = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at, at + 64), bytes.subarray(at)]);
    const { r, lines: got } = await read(m);
    expect(got).toEqual(perFrame.flat());
    expect(r.integrity().verdict).toBe('damaged');
  });

  it('a compressed length one too large blames frame 2 and reads frame 3', async () => {
    const { bytes, pieces, perFrame } = multi();
    const m = Buffer.from(bytes);
    m.writeUInt32LE(pieces[2]!.prefix.compressedLen + 1, pieces[2]!.at + 16);
    const { r, lines: got } = await read(m);
    for (const t of perFrame.slice(3).flat()) expect(got).toContain(t);
    expect(r.integrity().text).toBe('frame 2 does not match');
    expect(r.issues.filter((i) => i.kind === 'chain-mismatch').map((i) => i.frame)).toEqual([2]);
  });

  it('an oversized frame is skipped, and the innocent frame after it is not blamed', async () => {
    const { bytes, pieces, perFrame } = multi();
    const m = Buffer.from(bytes);
    m.writeUInt32LE(0xffffffff, pieces[2]!.at + 20);
    const { r, lines: got } = await read(m);
    expect(got).toEqual([...perFrame.slice(0, 2), ...perFrame.slice(3)].flat());
    expect(r.issues.some((i) => i.kind === 'chain-mismatch')).toBe(false);
    expect(r.integrity().text).toBe(`damaged at byte ${pieces[2]!.at}: frame 2 claims ${pieces[2]!.prefix.compressedLen} compressed / 4294967295 uncompressed bytes, over the limit of ${LIMITS.frameCompressed} / ${LIMITS.frameUncompressed}; resumed at byte ${pieces[3]!.at}`);
  });

  it('a record that fails to decode, with a sound length, drops only itself', async () => {
    const { bytes } = writeCapture(lines(50));
    const frames = rawFrames(bytes);
    const raw = Buffer.from(frames[1]!.raw);
    const [s, e] = recordSpans(raw)[10]!;
    raw.fill(0xff, s + 2, e); // the record's body: varints that never end, inside its length
    frames[1] = { raw, records: frames[1]!.records };
    const { r, lines: got } = await read(assemble(bytes, frames));
    expect(got).toEqual(lines(50).map((x) => Buffer.from(x.readline!.line!).toString()).filter((_, i) => i !== 10));
    const bad = r.issues.filter((i) => i.kind === 'bad-record');
    expect(bad).toHaveLength(1);
    expect(bad[0]!.message).toMatch(/^record at byte \d+ of frame 1 does not decode \(.*\); reading goes on after its \d+ bytes$/);
    expect(r.integrity().verdict).toBe('damaged');
  });
});

describe('reader: bounded records per frame, streamed (issue 15.2)', () => {
  it('a 64 MiB frame of 11M tiny records is read in batches and stopped at the record limit', async () => {
    const { bytes } = writeCapture(lines(3));
    const frames = rawFrames(bytes);
    const tiny = Buffer.from([0x0a, 0x04, 0x08, 0x01, 0x10, 0x01]); // CaptureRecord{ts: 1, pid: 1}
    const raw = Buffer.alloc(Math.floor((64 << 20) / tiny.length) * tiny.length);
    for (let i = 0; i < raw.length; i += tiny.length) tiny.copy(raw, i);
    frames.splice(1, 0, { raw, records: raw.length / tiny.length });
    const p = join(tmp(), 'tiny.cap');
    writeFileSync(p, assemble(bytes, frames));
    const r = new CaptureReader(p);
    let most = 0;
    let n = 0;
    let got: string[] = [];
    const heap0 = process.memoryUsage().heapUsed;
    let heap = 0;
    for await (const f of r.frames()) {
      most = Math.max(most, f.records.length);
      n += f.records.length;
      got = got.concat(f.records.filter((x) => x.readline).map((x) => Buffer.from(x.readline!.line!).toString()));
      if (n % 65536 < f.records.length) heap = Math.max(heap, process.memoryUsage().heapUsed - heap0);
    }
    expect(most).toBeLessThanOrEqual(8192);
    expect(heap).toBeLessThan(200 << 20);
    expect(got).toEqual(['cmd 0', 'cmd 1', 'cmd 2']); // the frames after the hostile one are read
    const issue = r.issues.find((i) => i.frame === 1 && i.message.includes(`more than ${LIMITS.frameRecords} records`));
    expect(issue).toBeDefined();
    expect(r.issues.find((i) => i.message.includes(`claims ${raw.length / tiny.length} records, over the limit`))).toBeDefined();
    expect(r.integrity().verdict).toBe('damaged');
  }, 60_000);
});

describe('reader: what no secrec wrote is not "intact" (issue 15.9)', () => {
  it('major version 0 in the magic', async () => {
    const { bytes } = writeCapture(lines(3));
    const m = Buffer.from(bytes);
    m.writeUInt16LE(0, 16);
    const { r, lines: got } = await read(m);
    expect(got).toHaveLength(3);
    expect(r.integrity().verdict).toBe('damaged');
    expect(r.issues[0]).toMatchObject({ kind: 'bad-version', offset: 16 });
  });

  it('a header record claiming format 2 under a format-1 magic', async () => {
    const { bytes } = writeCapture(lines(3));
    const frames = rawFrames(bytes);
    const head = pb.Record.decode(frames[0]!.raw.subarray(2));
    head.header!.formatMajor = 2;
    const w = Writer.create();
    w.uint32(10).fork();
    pb.Record.encode(head, w);
    w.ldelim();
    frames[0] = { raw: Buffer.from(w.finish()), records: 1 };
    const { r, lines: got } = await read(assemble(bytes, frames));
    expect(got).toHaveLength(3);
    expect(r.integrity().verdict).toBe('damaged');
    expect(r.issues.find((i) => i.kind === 'bad-version')!.message).toBe('the header record names format 2.0, the magic 1.0');
  });

  it('a 64 MiB frame of zeros', async () => {
    const { bytes } = writeCapture(lines(3));
    const frames = rawFrames(bytes);
    frames.splice(1, 0, { raw: Buffer.alloc(64 << 20), records: 0 });
    const { r, lines: got } = await read(assemble(bytes, frames));
    expect(got).toHaveLength(3);
    expect(r.integrity().verdict).toBe('damaged');
    expect(r.issues.find((i) => i.frame === 1)!.message).toMatch(/invalid field number 0/);
  });

  it('an undamaged capture stays intact with one issue-free pass', async () => {
    const { bytes } = writeCapture(lines(200), { frameBytes: 512 });
    const { r, lines: got } = await read(bytes, { batch: 7 });
    expect(got).toHaveLength(200);
    expect(r.issues).toEqual([]);
    expect(r.integrity().text).toBe('intact');
  });
});
