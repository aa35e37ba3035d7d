// A forward-only byte window over an async stream of chunks, with its absolute file offset.
// Memory holds at most what the caller asked to have available (plus one chunk).
import { open, type FileHandle } from 'node:fs/promises';
import { readSync } from 'node:fs';

export class ByteStream {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private base = 0;
  private done = false;
  private readonly it: AsyncIterator<Uint8Array> | null;
  /** A file is read into one buffer, its unread tail moved to the front: no chunk is concatenated. */
  private readonly path: string | null = null;
  private fh: FileHandle | null = null;
  private readonly chunk: number = 1 << 20;
  private closed = false;
  private store: Buffer = Buffer.alloc(0);

  constructor(source: AsyncIterable<Uint8Array> | { path: string; chunk: number }) {
    if (Symbol.asyncIterator in source) { this.it = source[Symbol.asyncIterator](); return; }
    this.it = null;
    this.path = source.path;
    this.chunk = source.chunk;
  }

  static fromFile(path: string, chunk = 4 << 20): ByteStream {
    return new ByteStream({ path, chunk });
  }

  /** Absolute offset of the next unread byte. */
  get offset(): number { return this.base + this.pos; }
  get available(): number { return this.buf.length - this.pos; }

  /** Makes n bytes available; false when the stream ends first. */
  async ensure(n: number): Promise<boolean> {
    if (this.it === null) return this.fill(n);
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

  /** ensure() for a file: moves the unread bytes to the front of the buffer (peeked views are
   * not used across ensure()) and reads at least a chunk after them. */
  private async fill(n: number): Promise<boolean> {
    while (this.available < n) {
      if (this.done || this.closed) return false;
      this.fh ??= await open(this.path!, 'r');
      const keep = this.available;
      const size = Math.max(n, keep + this.chunk);
      if (this.store.length >= size) this.store.copyWithin(0, this.pos, this.pos + keep);
      else { // room for a chunk past the next unread tail too: the buffer is not made anew per read
        const s = Buffer.allocUnsafe(Math.max(size, keep + 2 * this.chunk));
        this.buf.copy(s, 0, this.pos, this.pos + keep);
        this.store = s;
      }
      // read in this thread: a chunk from the page cache is a copy, where an async read waited a
      // thread-pool round trip per MiB (~150 ms idle per 80 MB capture)
      const bytesRead = readSync(this.fh.fd, this.store, keep, this.store.length - keep, null);
      this.base += this.pos;
      this.pos = 0;
      this.buf = this.store.subarray(0, keep + bytesRead);
      if (bytesRead === 0) { this.done = true; return this.available >= n; }
    }
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.it !== null) await this.it.return?.();
    else if (this.fh !== null) { const fh = this.fh; this.fh = null; await fh.close(); }
  }
}
