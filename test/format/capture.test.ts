import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CaptureReader, CaptureError, LIMITS, type RecordInit } from '../../format/index.js';
import { writeCapture, tmp } from '../helpers.js';

const b = (s: string) => Buffer.from(s);
const ALL: RecordInit[] = [
  { ts: 0, pid: 1, comm: b('init'), process: { exe: b('/sbin/init'), argv: [b('init')], start: -5_000_000_000, ttyRdev: 0, cwd: b('/'), exeIno: '12', exeDev: 5 } },
  { ts: 10, pid: 100, tid: 100, comm: b('bash'), fork: { childPid: 101, childTid: 101, thread: false } },
  { ts: 20, pid: 101, tid: 101, uid: 1000, comm: b('cat'), exec: { filename: b('/bin/cat'), argv: [b('cat'), b('/etc/shadow')], ret: 0, interp: b('/bin/cat'), mount: b('/'), ino: '18446744073709551615', dev: 0x0fe00000, oldTid: 101, commBefore: b('bash') } },
  { ts: 30, pid: 101, uid: 1000, comm: b('cat'), open: { path: b('/etc/shadow'), ret: -13, flags: 0, dirfd: -100 } },
  { ts: 31, pid: 101, uid: 1000, comm: b('cat'), syscallError: { nr: 257, errno: 13 } },
  { ts: 40, pid: 100, comm: b('bash'), ttyWrite: { rdev: (136 << 20) | 3, fd: 1, data: Buffer.from([0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xff, 0]), len: 7, isTty: true } },
  { ts: 50, pid: 100, comm: b('bash'), readline: { line: b('cat /etc/shadow') } },
  { ts: 60, pid: 7, comm: b('insmod'), moduleLoad: { name: b('rootkit'), taints: 4096 } },
  { ts: 70, lost: { probe: 'tty', count: 12 } },
  { ts: 2 ** 52, pid: 101, comm: b('cat'), exit: { code: 1, signal: 0, start: 20 } },
];

async function readAll(path: string) {
  const r = new CaptureReader(path);
  const recs = [];
  for await (const rec of r.records()) recs.push(rec);
  return { r, recs };
}

describe('capture format', () => {
  it('round-trips every record kind, exactly', async () => {
    const { path } = writeCapture(ALL);
    const { r, recs } = await readAll(path);
    expect(r.integrity()).toEqual({ verdict: 'intact', text: 'intact', cleanEnd: true });
    const bodies = recs.filter((x) => x.body !== 'header' && x.body !== 'trailer');
    expect(bodies.map((x) => x.body)).toEqual(['process', 'fork', 'exec', 'open', 'syscallError', 'ttyWrite', 'readline', 'moduleLoad', 'lost', 'exit']);
    expect(bodies[2]!.exec!.ino).toBe('18446744073709551615');
    expect(Buffer.from(bodies[5]!.ttyWrite!.data!)).toEqual(Buffer.from([0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xff, 0]));
    expect(bodies[9]!.ts).toBe(2 ** 52);
    expect(bodies[0]!.process!.start).toBe(-5_000_000_000);
    expect(r.header!.hostname).toBe('victim');
    expect(r.trailer!.counts!.find((c) => c.kind === 'exec')!.count).toBe(1);
  });

  it('yields every complete record at every truncation point, and says where it stopped', async () => {
    const recs = Array.from({ length: 60 }, (_, i): RecordInit => ({ ts: i, pid: i, comm: b('x'), syscallError: { nr: i, errno: 1 } }));
    const { bytes } = writeCapture(recs, { frameBytes: 200 });
    const dir = tmp();
    const whole = (await readAll(writeCapture(recs, { frameBytes: 200 }).path)).recs.length;
    let prevCount = 0;
    for (let cut = 20; cut < bytes.length; cut++) {
      const p = join(dir, 'cut.cap');
      writeFileSync(p, bytes.subarray(0, cut));
      const { r, recs: got } = await readAll(p);
      expect(got.length).toBeGreaterThanOrEqual(prevCount); // never fewer records for a longer prefix
      expect(got.length).toBeLessThanOrEqual(whole);
      expect(['truncated', 'intact']).toContain(r.integrity().verdict);
      if (r.integrity().verdict === 'truncated') expect(r.integrity().text).toMatch(/^truncated (after frame \d+|before the first frame)$/);
      prevCount = got.length;
    }
    expect(prevCount).toBe(whole);
  });

  it('survives thousands of random corruptions with typed issues only, and resynchronises', async () => {
    const recs = Array.from({ length: 300 }, (_, i): RecordInit => ({ ts: i * 1000, pid: i % 7, comm: b('cat'), open: { path: b(`/tmp/f${i}`), ret: 3 } }));
    const { bytes } = writeCapture(recs, { frameBytes: 1024 });
    const p = join(tmp(), 'mut.cap');
    let seed = 42;
    const rnd = (): number => { // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0);
    };
    let damaged = 0;
    for (let i = 0; i < 2000; i++) {
      const m = Buffer.from(bytes);
      const n = 1 + (rnd() % 4);
      for (let k = 0; k < n; k++) m[20 + (rnd() % (m.length - 20))] ^= 1 + (rnd() % 255); // always a change
      writeFileSync(p, m);
      const { r, recs: got } = await readAll(p);
      for (const issue of r.issues) expect(['truncated', 'corrupt-frame', 'chain-mismatch', 'bad-record', 'garbage', 'frame-gap']).toContain(issue.kind);
      if (r.integrity().verdict !== 'intact') damaged++;
      expect(got.length).toBeGreaterThan(0);
    }
    expect(damaged).toBe(2000); // every change is noticed
  });

  it('names the frame that does not match when a frame is altered, and reads the rest', async () => {
    const recs = Array.from({ length: 200 }, (_, i): RecordInit => ({ ts: i, pid: 1, comm: b('a'), readline: { line: b(`cmd ${i}`) } }));
    const { bytes } = writeCapture(recs, { frameBytes: 512 });
    const r0 = new CaptureReader(writeCapture(recs, { frameBytes: 512 }).path);
    const frames = [];
    for await (const f of r0.frames()) frames.push(f);
    const victim = frames[3]!;
    const m = Buffer.from(bytes);
    m[victim.offset + 64 + 10] ^= 0x01; // inside frame 3's zstd data
    const p = join(tmp(), 'alt.cap');
    writeFileSync(p, m);
    const { r, recs: got } = await readAll(p);
    expect(r.integrity().text).toBe('frame 3 does not match');
    expect(got.length).toBeGreaterThanOrEqual(recs.length + 2 - victim.records.length);
  });

  it('bounds hostile lengths: a frame claiming 4 GiB is skipped, not allocated', async () => {
    const { bytes } = writeCapture(ALL);
    const m = Buffer.from(bytes);
    // first data prefix sits after the 20-byte magic: its uncompressed length field is at +20
    m.writeUInt32LE(0xffffffff, 20 + 20);
    const p = join(tmp(), 'big.cap');
    writeFileSync(p, m);
    const { r } = await readAll(p);
    expect(r.issues[0]!.message).toMatch(/over the limit/);
    expect(LIMITS.frameUncompressed).toBeLessThan(2 ** 31);
  });

  it('refuses a newer major version and a file that is not a capture, with file and offset', async () => {
    const { bytes } = writeCapture(ALL);
    const m = Buffer.from(bytes);
    m.writeUInt16LE(9, 16);
    const p = join(tmp(), 'new.cap');
    writeFileSync(p, m);
    await expect(readAll(p)).rejects.toThrow(/new.cap: byte 16: capture format 9.0 is newer/);
    writeFileSync(p, 'hello');
    await expect(readAll(p)).rejects.toBeInstanceOf(CaptureError);
  });

  it('decompresses with zstd -dc and decodes with protoc --decode', () => {
    const { path } = writeCapture(ALL);
    const raw = execFileSync('zstd', ['-dc', path]);
    const text = execFileSync('protoc', ['--decode=secrec.v1.Capture', '-Iformat', 'format/capture.proto'], { input: raw }).toString();
    expect(text).toContain('hostname: "victim"');
    expect(text).toContain('line: "cat /etc/shadow"');
    expect(text).toContain('name: "rootkit"');
    expect((text.match(/^record \{/gm) ?? []).length).toBe(ALL.length + 2);
  });

  it('reads the recorded fixture intact', async () => {
    const { r, recs } = await readAll('fixtures/incident.cap');
    expect(r.integrity().verdict).toBe('intact');
    expect(recs.some((x) => x.body === 'readline')).toBe(true);
    expect(readFileSync('fixtures/incident.cap').subarray(8, 16).toString()).toBe('SECRCAP1');
  });
});
