// FrameTail: reads a capture while it is being written, like `tail -f`. Built on format/framing.ts:
// each data frame is decoded as soon as its last byte is there; short reads wait for more; the end
// marker (or stop(), on Ctrl-C) ends it. '-' reads standard input.
import { open, type FileHandle } from 'node:fs/promises';
import {
  pb, Reader, FORMAT_MAJOR, CaptureError, DATA_PREFIX_LEN, END_LEN, FILE_TAG, LIMITS, MAGIC_LEN, SKIPPABLE_MAGIC_DATA,
  SKIPPABLE_MAGIC_END, SKIPPABLE_MAGIC_MAGIC, chainNext, chainSeed, decodeDataPrefix, decodeEnd, isSkippable, prefixFields,
  newInflater, type Header, type CaptureRecord,
} from '../../format/index.js';

export interface TailFrame { index: number; offset: number; records: CaptureRecord[] }

export class FrameTail {
  header: Header | null = null;
  /** Set when the end marker was read: the recorder closed the capture. */
  ended = false;
  /** Problems met (damage, chain mismatch), each naming the byte offset. */
  readonly problems: string[] = [];
  private chunks: Buffer[] = [];
  private avail = 0;
  private offset = 0; // file offset of the first unconsumed byte
  private stopped = false;
  private wake: (() => void) | null = null;
  private fh: FileHandle | null = null;
  private filePos = 0;
  private stdin: AsyncIterator<Buffer> | null = null;
  private eof = false;
  private chain = chainSeed();
  private readonly inflater = newInflater();

  constructor(readonly source: string, private readonly pollMs = 25) {}

  /** Ends the stream at the next wait (Ctrl-C). */
  stop(): void { this.stopped = true; this.wake?.(); }

  /** Reads more bytes; false when the source is exhausted for good (stdin closed, or stopped). */
  private async more(): Promise<boolean> {
    if (this.source === '-') {
      this.stdin ??= (process.stdin as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      if (this.eof || this.stopped) return false;
      const stop = new Promise<null>((r) => { this.wake = () => r(null); });
      const n = await Promise.race([this.stdin.next(), stop]);
      if (n === null || n.done) { this.eof = true; return false; }
      this.push(n.value);
      return true;
    }
    this.fh ??= await open(this.source, 'r');
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      if (this.stopped) return false;
      const { bytesRead } = await this.fh.read(buf, 0, buf.length, this.filePos);
      if (bytesRead > 0) { this.filePos += bytesRead; this.push(Buffer.from(buf.subarray(0, bytesRead))); return true; }
      await new Promise<void>((r) => { const t = setTimeout(r, this.pollMs); this.wake = () => { clearTimeout(t); r(); }; });
    }
  }

  private push(b: Buffer): void { this.chunks.push(b); this.avail += b.length; }

  /** At least n bytes buffered (joined into one chunk), or false if the source ended first. */
  private async need(n: number): Promise<boolean> {
    while (this.avail < n) if (!(await this.more())) return false;
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return true;
  }

  private take(n: number): Buffer {
    const b = this.chunks[0]!.subarray(0, n);
    if (this.chunks[0]!.length === n) this.chunks.shift(); else this.chunks[0] = this.chunks[0]!.subarray(n);
    this.avail -= n;
    this.offset += n;
    return b;
  }

  async *frames(): AsyncGenerator<TailFrame> {
    try {
      if (!(await this.need(MAGIC_LEN))) throw new CaptureError(this.source, 0, 'not-a-capture', 'not a secrec capture (too short, or nothing was written)');
      const m = this.take(MAGIC_LEN);
      if (m.readUInt32LE(0) !== SKIPPABLE_MAGIC_MAGIC || m.toString('latin1', 8, 16) !== FILE_TAG) throw new CaptureError(this.source, 0, 'not-a-capture', 'not a secrec capture (no SECRCAP1 magic)');
      if (m.readUInt16LE(16) > FORMAT_MAJOR) throw new CaptureError(this.source, 16, 'newer-version', `capture format ${m.readUInt16LE(16)} is newer than this analyzer reads: upgrade secanalyze`);
      while (!this.ended) {
        if (!(await this.need(8))) return;
        const head = this.chunks[0]!;
        const magic = head.readUInt32LE(0);
        const at = this.offset;
        if (magic === SKIPPABLE_MAGIC_DATA) {
          if (!(await this.need(DATA_PREFIX_LEN))) return;
          const p = decodeDataPrefix(this.chunks[0]!, 0);
          if (!p || p.compressedLen > LIMITS.frameCompressed || p.uncompressedLen > LIMITS.frameUncompressed) throw new CaptureError(this.source, at, 'io', 'malformed or oversized frame prefix: the stream cannot be followed past it');
          if (!(await this.need(DATA_PREFIX_LEN + p.compressedLen))) return;
          this.take(DATA_PREFIX_LEN);
          const z = this.take(p.compressedLen);
          const c = chainNext(this.chain, prefixFields(p), z);
          if (!c.equals(p.chain)) this.problems.push(`${this.source}: frame ${p.index} at byte ${at} does not match the SHA-256 chain`);
          this.chain = p.chain;
          yield { index: p.index, offset: at, records: this.decode(z, p.uncompressedLen, at, p.index) };
        } else if (magic === SKIPPABLE_MAGIC_END) {
          if (!(await this.need(END_LEN))) return;
          const e = decodeEnd(this.take(END_LEN), 0);
          if (e && !e.chain.equals(this.chain)) this.problems.push(`${this.source}: the end marker at byte ${at} does not match the frames before it`);
          this.ended = true;
        } else if (isSkippable(magic)) {
          const size = head.readUInt32LE(4);
          if (size > LIMITS.frameCompressed || !(await this.need(8 + size))) return;
          this.take(8 + size);
        } else {
          throw new CaptureError(this.source, at, 'io', `no frame starts here (magic 0x${magic.toString(16)}): the stream cannot be followed past it`);
        }
      }
    } finally {
      await this.fh?.close();
    }
  }

  private decode(z: Buffer, size: number, at: number, index: number): CaptureRecord[] {
    const raw = Buffer.alloc(size);
    try {
      const n = this.inflater.decompress(raw, z);
      if (n !== size) throw new Error(`decompressed to ${n} bytes, prefix says ${size}`);
    } catch (e) {
      this.problems.push(`${this.source}: frame ${index} at byte ${at} does not decompress: ${(e as Error).message}`);
      return [];
    }
    const out: CaptureRecord[] = [];
    const r = Reader.create(raw);
    while (r.pos < r.len) {
      try {
        const tag = r.uint32();
        if (tag !== 10) { r.skipType(tag & 7); continue; }
        const len = r.uint32();
        if (len > LIMITS.record || len > r.len - r.pos) throw new Error(`record length ${len} is over the limit`);
        const rec = pb.Record.decode(r, len);
        if (rec.header && !this.header) this.header = rec.header;
        out.push(rec);
      } catch (e) {
        this.problems.push(`${this.source}: frame ${index} at byte ${at}: a record does not decode (${(e as Error).message}); the rest of the frame is skipped`);
        break;
      }
    }
    return out;
  }
}
