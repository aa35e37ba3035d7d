// Read-ahead for CaptureReader on a file: walks the data frames ahead of the reader by their
// prefixes, hands their bytes to inflate workers (format/inflate-worker.ts) and gives the reader
// each frame's decompressed bytes and chain value when it gets there, so frames are decompressed
// on several cores while the reader decodes in order. Only a help: whatever it did not prepare
// (damage, a frame it did not reach, a frame that failed, a worker that died) the reader does
// itself, with the same checks; a prefix that differs from the reader's is not used.
import { open, type FileHandle } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { DATA_PREFIX_LEN, LIMITS, decodeDataPrefix, prefixFields, type DataPrefix } from './framing.js';
import { builtWorker } from './workers.js';
import type { InflateDone, InflateJob } from './inflate-worker.js';

/** Frames, and claimed uncompressed bytes, prepared ahead of the reader at most. */
const AHEAD_FRAMES = 8;
const AHEAD_BYTES = 32 << 20;

/** How many inflate workers a reader of a file uses: SECANALYZE_WORKERS (0 to 16), else none. On
 * the 2-core VM this was measured on, workers cost CPU and memory and gave back no time (README). */
export function workersFor(): number {
  const env = process.env['SECANALYZE_WORKERS'];
  return env === undefined || env === '' ? 0 : Math.max(0, Math.min(16, Number(env) | 0));
}

/** A frame as the workers prepared it. */
export interface Prefetched {
  /** Decompressed bytes: raw[0, n) (raw.length may be larger: a reused buffer). */
  raw: Buffer;
  n: number;
  /** The chain value after the frame, computed from `prev`. */
  chain: Buffer;
  prev: Buffer;
}

interface Entry { at: number; p: DataPrefix; prev: Buffer; done: Promise<InflateDone | null> }

export class FramePrefetcher {
  private fh: FileHandle | null = null;
  private readonly workers: Worker[] = [];
  private turn = 0;
  private nextId = 0;
  private readonly waiting = new Map<number, (d: InflateDone | null) => void>();
  private readonly queue: Entry[] = [];
  private aheadBytes = 0;
  /** Where the next frame to prepare starts, and the chain value its prefix should follow. */
  private cursor: number;
  private prev: Buffer;
  /** Changes on every reset: a step begun before it is dropped. */
  private epoch = 0;
  /** The frames ahead are not a run of data frames (damage, the end): the reader goes on alone. */
  private stopped = false;
  private broken = false;
  private filling: Promise<void> | null = null;
  /** Decompression buffers the reader is done with. */
  private readonly spare: ArrayBuffer[] = [];
  private readonly spareZ: ArrayBuffer[] = [];
  /** The reader recycles decompression buffers (read() with a decoder that copies). */
  slack = false;
  private readonly head = Buffer.alloc(DATA_PREFIX_LEN);

  constructor(private readonly path: string, workers: number, start: number, seed: Buffer, private readonly limits: typeof LIMITS) {
    this.cursor = start;
    this.prev = seed;
    for (let i = 0; i < workers; i++) {
      const w = new Worker(builtWorker('inflate-worker', ['inflate-worker.ts', 'framing.ts', 'zstd.ts']), { execArgv: [] });
      w.on('message', (d: InflateDone) => { if (this.spareZ.length < AHEAD_FRAMES) this.spareZ.push(d.z); this.answer(d.id, d); });
      w.on('error', () => this.fail());
      w.on('exit', () => this.fail());
      w.unref();
      this.workers.push(w);
    }
    this.fill();
  }

  /** The frame at `at` with prefix `p`, prepared; undefined: the reader decompresses it itself. */
  async take(at: number, p: DataPrefix): Promise<Prefetched | undefined> {
    for (;;) {
      while (this.queue.length > 0 && this.queue[0]!.at < at) this.queue.shift();
      const e = this.queue[0];
      if (e !== undefined && e.at === at) {
        this.queue.shift();
        this.fill();
        if (!samePrefix(e.p, p)) break;
        const d = await e.done;
        if (d === null || d.raw === null || d.chain === null) return undefined;
        return { raw: Buffer.from(d.raw), n: d.n, chain: Buffer.from(d.chain), prev: e.prev };
      }
      if (this.cursor !== at || this.stopped || this.broken) break;
      this.fill();
      if (this.filling === null) break;
      await this.filling;
    }
    this.reset(at + DATA_PREFIX_LEN + p.compressedLen, p.chain);
    return undefined;
  }

  /** A decompression buffer the reader no longer reads (it copied what it kept). */
  recycle(b: ArrayBuffer): void { if (this.spare.length < this.workers.length * 2) this.spare.push(b); }

  async close(): Promise<void> {
    this.broken = true;
    for (const w of this.workers) void w.terminate();
    for (const [, resolve] of this.waiting) resolve(null);
    this.waiting.clear();
    const fh = this.fh;
    this.fh = null;
    await this.filling?.catch(() => undefined);
    await fh?.close();
  }

  /** The reader left the run of prepared frames: start again after the frame it is at. */
  private reset(cursor: number, prev: Buffer): void {
    this.epoch++;
    this.queue.length = 0;
    this.cursor = cursor;
    this.prev = prev;
    this.stopped = false;
    this.fill();
  }

  private fill(): void {
    if (this.filling !== null || this.stopped || this.broken) return;
    this.filling = (async () => {
      try {
        while (!this.stopped && !this.broken && this.queue.length < AHEAD_FRAMES && this.aheadBytes < AHEAD_BYTES) await this.step();
      } catch {
        this.stopped = true;
      } finally {
        this.filling = null;
      }
    })();
  }

  /** Reads the frame at the cursor and hands it to a worker; stops at anything but a whole data frame. */
  private async step(): Promise<void> {
    const epoch = this.epoch;
    const at = this.cursor;
    this.fh ??= await open(this.path, 'r');
    const { bytesRead } = await this.fh.read(this.head, 0, DATA_PREFIX_LEN, at);
    if (epoch !== this.epoch) return;
    const p = bytesRead === DATA_PREFIX_LEN ? decodeDataPrefix(this.head, 0) : null;
    if (p === null || p.compressedLen > this.limits.frameCompressed || p.uncompressedLen > this.limits.frameUncompressed) { this.stopped = true; return; }
    const reused = this.spareZ.pop();
    const z = reused !== undefined && reused.byteLength >= p.compressedLen ? reused : new ArrayBuffer(p.compressedLen + (p.compressedLen >> 3));
    const got = await this.fh.read(new Uint8Array(z), 0, p.compressedLen, at + DATA_PREFIX_LEN);
    if (epoch !== this.epoch) return;
    if (got.bytesRead !== p.compressedLen) { this.stopped = true; return; }
    const id = this.nextId++;
    const spare = this.spare.pop() ?? null;
    const job: InflateJob = { id, z, zLen: p.compressedLen, uncompressedLen: p.uncompressedLen, slack: this.slack, fields: prefixFields(p), prev: this.prev, out: spare };
    const claimed = p.uncompressedLen;
    this.aheadBytes += claimed;
    const done = new Promise<InflateDone | null>((resolve) => this.waiting.set(id, (d) => { this.aheadBytes -= claimed; resolve(d); }));
    const w = this.workers[this.turn++ % this.workers.length]!;
    if (this.waiting.size === 1) for (const x of this.workers) x.ref(); // an answer is awaited: the process lives until it comes
    w.postMessage(job, spare ? [z, spare] : [z]);
    this.queue.push({ at, p, prev: this.prev, done });
    this.cursor = at + DATA_PREFIX_LEN + p.compressedLen;
    this.prev = p.chain;
  }

  private answer(id: number, d: InflateDone | null): void {
    const resolve = this.waiting.get(id);
    if (resolve === undefined) return;
    this.waiting.delete(id);
    if (this.waiting.size === 0) for (const w of this.workers) w.unref();
    resolve(d);
  }

  /** A worker died: nothing more is prepared, and what it held is done by the reader. */
  private fail(): void {
    if (this.broken) return;
    this.broken = true;
    for (const [id] of this.waiting) this.answer(id, null);
  }
}

function samePrefix(a: DataPrefix, b: DataPrefix): boolean {
  return a.index === b.index && a.compressedLen === b.compressedLen && a.uncompressedLen === b.uncompressedLen &&
    a.records === b.records && a.flags === b.flags && a.chain.equals(b.chain);
}
