// ThreadedCaptureWriter: the same bytes as CaptureWriter, counts of only what reached the output,
// a bounded queue, and every completed frame readable after SIGKILL.
import { describe, it, expect } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CaptureReader, CaptureWriter, ThreadedCaptureWriter, pb, type CaptureWriterBase, type RecordInit } from '../../format/index.js';
import { HEADER, kindOf, tmp } from '../helpers.js';

const b = (s: string) => Buffer.from(s);
const recs = (n: number): RecordInit[] => Array.from({ length: n }, (_, i): RecordInit => (
  i % 3 === 0 ? { ts: i, pid: i, comm: b('cat'), open: { path: b(`/tmp/f${i}`), ret: 3, flags: 0, dirfd: -100 } }
    : i % 3 === 1 ? { ts: i, pid: i, uid: 65534, comm: b('x'), syscallError: { nr: 257, errno: 13 } }
      : { ts: i, pid: i, comm: b('sh'), exec: { filename: b('/bin/true'), argv: [b('true'), b(`a${i}`)], ret: 0 } }));

function fill(w: CaptureWriterBase, rs: RecordInit[], encoded: boolean): void {
  w.start(HEADER);
  const scratch = Buffer.alloc(1 << 16);
  rs.forEach((r, i) => {
    if (!encoded || i % 2) { w.add(r, kindOf(r)); return; }
    const e = pb.Record.encode(r).finish();
    e.copy(scratch);
    w.addEncoded(scratch.subarray(0, e.length), kindOf(r));
    scratch.fill(0xee); // the caller reuses its buffer at once
  });
  w.finish({ clean: true, reason: 'test', lost: 0, ts: 1 });
}

async function readAll(path: string) {
  const r = new CaptureReader(path);
  let n = 0;
  for await (const _ of r.records()) n++;
  return { r, n };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ThreadedCaptureWriter', () => {
  it('writes byte for byte what CaptureWriter writes, through add and addEncoded', () => {
    const rs = recs(5000);
    for (const encoded of [false, true]) {
      const chunks: Buffer[] = [];
      const sync = new CaptureWriter((c) => chunks.push(Buffer.from(c)), { frameBytes: 4096 });
      fill(sync, rs, false);
      const path = join(tmp(), 'threaded.cap');
      const fd = openSync(path, 'wx', 0o600);
      const t = new ThreadedCaptureWriter(fd, { frameBytes: 4096, maxQueuedFrames: 2 });
      fill(t, rs, encoded);
      closeSync(fd);
      expect(readFileSync(path).equals(Buffer.concat(chunks))).toBe(true);
      expect(t.frames).toBe(sync.frames);
      expect(t.frames).toBeGreaterThan(20);
      expect(t.records).toBe(5002);
      expect(t.bytesWritten).toBe(statSync(path).size);
      expect(Object.fromEntries(t.counts)).toEqual(Object.fromEntries(sync.counts));
      expect(t.chainHex).toBe(sync.chainHex);
      // the bytes the writer made before it moved to a worker (commit a1f4c94): the format is unchanged
      expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe('9108b6156f113af9d721e101071382c310f6ac70755c8796ad8ddecb997cb9ca');
    }
  });

  it('stays readable by zstd and protoc', async () => {
    const path = join(tmp(), 'p.cap');
    const fd = openSync(path, 'wx', 0o600);
    fill(new ThreadedCaptureWriter(fd, { frameBytes: 2048 }), recs(300), true);
    closeSync(fd);
    const { r, n } = await readAll(path);
    expect(r.integrity().verdict).toBe('intact');
    expect(n).toBe(302);
    const text = execFileSync('sh', ['-c', `zstd -dc '${path}' | protoc --decode=secrec.v1.Capture format/capture.proto`], { maxBuffer: 1 << 26 }).toString();
    expect(text.match(/^record \{/gm)!.length).toBe(302);
    expect(text).toContain('filename: "/bin/true"');
  });

  it('keeps at most maxQueuedFrames frames queued while the output is slow', async () => {
    const path = join(tmp(), 'slow.cap');
    // a reader that waits before it drains the pipe: the writer must wait for it, not buffer
    const child = spawn('sh', ['-c', `sleep 0.5; cat > '${path}'`], { stdio: ['pipe', 'ignore', 'inherit'] });
    const fd = (child.stdin as unknown as { _handle: { fd: number } })._handle.fd;
    const w = new ThreadedCaptureWriter(fd, { frameBytes: 8192, maxQueuedFrames: 3 });
    w.start(HEADER);
    let most = 0;
    const big = randomBytes(1 << 20); // incompressible, so the pipe (64 KiB) fills
    for (let i = 0; i < 400; i++) {
      w.add({ ts: i, ttyWrite: { data: big.subarray(i * 2000, i * 2000 + 2000), len: 2000 } }, 'ttyWrite');
      most = Math.max(most, w.queuedFrames);
    }
    w.finish({ clean: true, reason: 'test', lost: 0, ts: 1 });
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(0);
    child.stdin!.end();
    await new Promise((r) => child.on('exit', r));
    const { r, n } = await readAll(path);
    expect(r.integrity().verdict).toBe('intact');
    expect(n).toBe(402);
    expect(w.bytesWritten).toBe(statSync(path).size);
  });

  it('counts nothing written when the output fails at once (/dev/full, a closed pipe)', () => {
    const full = openSync('/dev/full', 'w');
    const errors: string[] = [];
    const w = new ThreadedCaptureWriter(full, { onError: (e) => errors.push(e.code!) });
    fill(w, recs(100), false);
    closeSync(full);
    expect(errors).toEqual(['ENOSPC']);
    expect([w.frames, w.records, w.bytesWritten, w.counts.size]).toEqual([0, 0, 0, 0]);

    const child = spawn('true', [], { stdio: ['pipe', 'ignore', 'ignore'] });
    const fd = (child.stdin as unknown as { _handle: { fd: number } })._handle.fd;
    execFileSync('sleep', ['0.3']); // `| true`: the reader is gone before anything is written
    const p = new ThreadedCaptureWriter(fd, { onError: (e) => errors.push(e.code!) });
    fill(p, recs(100), false);
    expect(errors).toEqual(['ENOSPC', 'EPIPE']);
    expect([p.frames, p.records, p.bytesWritten]).toEqual([0, 0, 0]);
    expect(p.failed!.code).toBe('EPIPE');
  });

  it.runIf(process.getuid?.() === 0)('on a disk that fills, counts exactly the frames and bytes in the file (root: tmpfs)', async () => {
    const mnt = tmp();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', mnt]);
    try {
      const path = join(mnt, 'full.cap');
      const fd = openSync(path, 'wx', 0o600);
      const errors: string[] = [];
      const w = new ThreadedCaptureWriter(fd, { frameBytes: 8192, onError: (e) => errors.push(e.code!) });
      w.start(HEADER);
      const big = randomBytes(1 << 20);
      for (let i = 0; i < 200; i++) w.add({ ts: i, ttyWrite: { data: big.subarray(i * 3000, i * 3000 + 3000), len: 3000 } }, 'ttyWrite');
      w.finish({ clean: true, reason: 'test', lost: 0, ts: 1 });
      closeSync(fd);
      expect(errors).toEqual(['ENOSPC']);
      const { r, n } = await readAll(path);
      expect(r.integrity().verdict).toBe('truncated');
      expect(w.frames).toBe(r.frameCount);
      expect(w.records).toBe(n);
      expect(w.counts.get('ttyWrite')).toBe(n - 1);
      expect(w.bytesWritten).toBe(statSync(path).size);
      expect(w.frames).toBeGreaterThan(5);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it('a worker that dies makes a write error, never a hang', async () => {
    const path = join(tmp(), 'dead.cap');
    const fd = openSync(path, 'wx', 0o600);
    const errors: string[] = [];
    const w = new ThreadedCaptureWriter(fd, { onError: (e) => errors.push(e.code!) });
    w.start(HEADER);
    w.drain();
    await (w as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    for (const r of recs(100)) w.add(r, kindOf(r));
    w.finish({ clean: true, reason: 'test', lost: 0, ts: 1 });
    closeSync(fd);
    expect(errors).toEqual(['EWORKER']);
    expect([w.frames, w.records]).toEqual([1, 1]);
    expect((await readAll(path)).n).toBe(1);
  });

  it('a sink that throws in CaptureWriter stops it without counting the frame', () => {
    let n = 0;
    const w = new CaptureWriter(() => { if (++n > 2) throw Object.assign(new Error('no space'), { code: 'ENOSPC' }); }, { frameBytes: 512 });
    w.start(HEADER);
    expect(() => { for (const r of recs(200)) w.add(r, kindOf(r)); }).toThrow(/no space/);
    expect(w.frames).toBe(1); // magic + header frame got out; the third write did not
    expect(w.failed!.code).toBe('ENOSPC');
    w.add(recs(1)[0]!, 'open'); // dropped, not thrown again
    w.finish({ clean: false, reason: 'x', lost: 0, ts: 0 });
    expect(w.frames).toBe(1);
  });

  it('leaves every frame it reported written readable after SIGKILL', async () => {
    const path = join(tmp(), 'killed.cap');
    const mod = join(process.cwd(), 'dist/format/index.js');
    const script = `
      import { openSync } from 'node:fs';
      const { ThreadedCaptureWriter } = await import(${JSON.stringify(mod)});
      const w = new ThreadedCaptureWriter(openSync(${JSON.stringify(path)}, 'wx', 0o600), { frameBytes: 1024 });
      w.start({ hostname: 'k' });
      let i = 0;
      setInterval(() => {
        for (let k = 0; k < 50; k++, i++) w.add({ ts: i, pid: i, syscallError: { nr: 1, errno: 13 } }, 'syscallError');
        w.flush(); w.poll();
        process.stdout.write(w.frames + ' ' + w.records + '\\n');
      }, 5);`;
    const child = spawn('node', ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let last = '';
    child.stdout!.on('data', (d: Buffer) => { last = d.toString().trim().split('\n').pop()!; });
    while (Number(last.split(' ')[0] ?? 0) < 30) await sleep(20);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const [frames, records] = last.split(' ').map(Number);
    const { r, n } = await readAll(path);
    expect(r.integrity().verdict).toBe('truncated');
    expect(r.issues.filter((i) => i.kind !== 'truncated')).toEqual([]);
    expect(r.frameCount).toBeGreaterThanOrEqual(frames!);
    expect(n).toBeGreaterThanOrEqual(records!);
  }, 30_000);
});
