// A forward-only byte window over an async stream of chunks, with its absolute file offset.
// Memory holds at most what the caller asked to have available (plus one chunk).
import { createReadStream } from 'node:fs';

export class ByteStream {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private base = 0;
  private done = false;
  private readonly it: AsyncIterator<Uint8Array>;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  static fromFile(path: string, chunk = 1 << 20): ByteStream {
    return new ByteStream(createReadStream(path, { highWaterMark: chunk }));
  }

  /** Absolute offset of the next unread byte. */
  get offset(): number { return this.base + this.pos; }
  get available(): number { return this.buf.length - this.pos; }

  /** Makes n bytes available; false when the stream ends first. */
  async ensure(n: number): Promise<boolean> {
    while (this.available < n) {
      if (this.done) return false;
      const r = await this.it.next();
      if (r.done) { this.done = true; return this.available >= n; }
      const chunk = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
      this.base += this.pos;
      this.buf = this.available === 0 ? chunk : Buffer.concat([this.buf.subarray(this.pos), chunk]);
      this.pos = 0;
    }
    return true;
  }

  /** The next n bytes (must be available), without consuming them. */
  peek(n: number): Buffer { return this.buf.subarray(this.pos, this.pos + n); }

  take(n: number): Buffer {
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += b.length;
    return b;
  }

  skip(n: number): void { this.pos += Math.min(n, this.available); }

  /** Consumes and drops everything that is buffered; returns how much. */
  drain(): number { const n = this.available; this.pos = this.buf.length; return n; }

  /** Index of `needle` in the available bytes, or -1. */
  indexOf(needle: Buffer, from = 0): number {
    const i = this.buf.indexOf(needle, this.pos + from);
    return i < 0 ? -1 : i - this.pos;
  }

  async close(): Promise<void> { await this.it.return?.(); }
}
