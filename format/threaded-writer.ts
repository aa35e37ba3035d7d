// ThreadedCaptureWriter: the CaptureWriter surface, with compression, the SHA-256 chain and the
// writes in a worker thread (frame-worker.ts), so the thread that adds records does only the
// encoding. Frames go to the worker in order through a bounded queue; finish() waits for it.
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { CaptureWriterBase, type FrameMeta, type WriterOptions } from './writer.js';
import type { WorkDone, WorkInit, WorkItem } from './frame-worker.js';
import { builtWorker } from './workers.js';

export interface ThreadedWriterOptions extends WriterOptions {
  /** Frames handed over and not yet written; add() blocks while this many wait, so memory stays
   * near (maxQueuedFrames + 1) × frameBytes. 4: a frame is written in a few ms, and a stalled
   * output should stall the consumer (the kernel then counts loss) rather than grow the heap. */
  maxQueuedFrames?: number;
  /** Called once, on the adding thread, at the first write error (ENOSPC, EPIPE, ...). */
  onError?: (e: NodeJS.ErrnoException) => void;
}

export class ThreadedCaptureWriter extends CaptureWriterBase {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly done: Int32Array;
  private readonly maxQueued: number;
  private readonly onError: ((e: NodeJS.ErrnoException) => void) | undefined;
  /** Handed to the worker, oldest first; null for raw bytes. */
  private readonly inflight: (FrameMeta | null)[] = [];
  private sent = 0;
  private answered = 0;
  private readonly pool: ArrayBuffer[] = [];
  private closed = false;
  private workerError: Error | null = null;

  /** Writes to fd (a file or pipe the caller opened and closes after finish()). */
  constructor(fd: number, opts: ThreadedWriterOptions = {}) {
    super(opts);
    this.maxQueued = Math.max(1, opts.maxQueuedFrames ?? 4);
    this.onError = opts.onError;
    const sab = new SharedArrayBuffer(8);
    this.done = new Int32Array(sab);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const init: WorkInit = { fd, level: this.level, port: port2, done: sab };
    this.worker = new Worker(builtWorker('frame-worker', ['frame-worker.ts', 'seal.ts', 'framing.ts', 'fdwrite.ts']), { workerData: init, transferList: [port2], execArgv: [] });
    // The worker marks its own exit too; these cover a worker that never started or was stopped.
    this.worker.on('error', (e) => { this.workerError = e; });
    this.worker.on('exit', () => { Atomics.store(this.done, 1, 2); Atomics.notify(this.done, 0); });
    this.worker.unref();
    this.port.unref();
    // The buffers frames travel in, made now: fresh memory costs a page fault per 4 KiB on first
    // touch, which would otherwise fall on the first burst.
    // (zero-filled memory comes from calloc, untouched: fill() is what faults the pages in)
    for (let i = 0; i <= this.maxQueued; i++) {
      const b = new ArrayBuffer(this.slotBytes());
      new Uint8Array(b).fill(1);
      this.pool.push(b);
    }
  }

  /** Frames (and raw writes) handed to the worker and not yet answered for. */
  get queuedFrames(): number { return this.sent - this.answered; }

  protected writeFrame(raw: Uint8Array, meta: FrameMeta): void { this.post(raw, meta); }

  protected writeRaw(b: Buffer): void { this.post(b, null); }

  /** Takes the worker's answers that are ready (maybeFlush, flush and finish do this too). */
  poll(): void {
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) this.answer(m.message as WorkDone);
  }

  override maybeFlush(now = Date.now()): void {
    this.poll();
    super.maybeFlush(now);
  }

  drain(): void {
    this.waitUntil(this.sent);
  }

  override finish(t: Parameters<CaptureWriterBase['finish']>[0]): Buffer {
    const chain = super.finish(t);
    this.close();
    return chain;
  }

  /** Stops the worker once everything handed over is answered (finish() does this). */
  close(): void {
    if (this.closed) return;
    this.drain();
    this.closed = true;
    this.port.postMessage({ close: true });
    this.port.close();
  }

  private post(bytes: Uint8Array, meta: FrameMeta | null): void {
    if (this.closed) throw new Error('capture writer is closed');
    this.poll();
    if (this.sent - this.answered >= this.maxQueued) this.waitUntil(this.sent - this.maxQueued + 1);
    const buf = this.buffer(bytes.length);
    new Uint8Array(buf, 0, bytes.length).set(bytes);
    const item: WorkItem = { buf, len: bytes.length, records: meta ? meta.records : null };
    this.inflight.push(meta);
    this.sent++;
    this.port.postMessage(item, [buf]);
  }

  /** A frame passes frameBytes by up to one batch of records before it is flushed (a batch of
   * 4-16 KiB tty writes: ~0.5-2 MiB), so a slot holds twice frameBytes; a bigger frame gets a
   * bigger slot, which then stays in the pool. */
  private slotBytes(n = 0): number { return Math.max(n, 2 * this.frameBytes + (64 << 10)); }

  private buffer(n: number): ArrayBuffer {
    const i = this.pool.findIndex((b) => b.byteLength >= n);
    if (i >= 0) return this.pool.splice(i, 1)[0]!;
    // none fits: drop the smallest, so the pool keeps the sizes frames need
    if (this.pool.length) this.pool.splice(this.pool.reduce((m, b, j, a) => (b.byteLength < a[m]!.byteLength ? j : m), 0), 1);
    return new ArrayBuffer(this.slotBytes(n));
  }

  private waitUntil(target: number): void {
    const since = Date.now();
    for (;;) {
      this.poll();
      if (this.answered >= target) return;
      const state = Atomics.load(this.done, 1);
      if (state === 2 || (state === 0 && Date.now() - since > 30_000)) {
        const why = this.workerError ? `: ${this.workerError.message}` : '';
        this.gone(state === 2 ? `the frame worker exited${why}` : 'the frame worker did not start');
        return;
      }
      const seen = Atomics.load(this.done, 0);
      // The worker posts its answer before it counts it, so a count ahead of us is readable now.
      if (seen <= this.answered) Atomics.wait(this.done, 0, seen, 200);
    }
  }

  /** The worker is gone: what it did not answer for was not written. */
  private gone(why: string): void {
    this.poll();
    this.inflight.length = 0;
    this.answered = this.sent;
    this.closed = true;
    if (this.failed) return;
    const e: NodeJS.ErrnoException = new Error(why);
    e.code = 'EWORKER';
    this.failed = e;
    this.onError?.(e);
  }

  private answer(m: WorkDone): void {
    const meta = this.inflight.shift();
    this.answered++;
    if (this.pool.length <= this.maxQueued) this.pool.push(m.buf);
    this.bytesWritten += m.bytes;
    if (m.ok) {
      if (meta) this.credit(meta, Buffer.from(m.chain!));
    } else if (!this.failed && m.error) {
      const e: NodeJS.ErrnoException = new Error(m.error.message);
      e.code = m.error.code;
      this.failed = e;
      this.onError?.(e);
    }
  }
}
