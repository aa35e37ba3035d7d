// A table's --json lines written by a worker thread (analyzer/lines-worker.ts) from raw records the
// view sends it in batches, so that reading and writing run on two cores. Everything else the
// renderer writes goes through the same batches, so the output keeps its order. The main thread
// waits (synchronously: its read loop does not yield) only when all batches are in the worker's
// hands, which bounds the memory held to POOL batches. The worker's first write error (EPIPE from
// `| head`) comes back as an exception on the next call, as a synchronous write would throw it.
import { receiveMessageOnPort, MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { BODY_KINDS, pb, type BodyKind, type Header, type RawRecord } from '../format/index.js';
import { builtWorker } from '../format/workers.js';
import { F, type LinesInit, type LinesItem, type LinesReply } from './lines-worker.js';
import type { EventTable } from './schema/fields.js';
import { BodyKeys } from './schema/rawlines.js';

/** Records per batch, bytes per batch, and batches in all. */
const RECORDS = 4096;
const BYTES = 1 << 20;
const POOL = 4;
const KIND = new Map<BodyKind, number>(BODY_KINDS.map((k, i) => [k, i]));

/** Raw rows written on the main thread before the worker starts (its start costs ~50 ms: small
 * outputs do without it): SECANALYZE_LINE_WORKER=N, 0 for never. */
export function remoteAfter(): number {
  const v = process.env['SECANALYZE_LINE_WORKER'];
  const n = v === undefined || v === '' ? 65536 : Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : 65536;
}

interface Batch { f: Float64Array; bytes: Uint8Array; n: number; at: number }

export class RemoteLines {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly ctl = new Int32Array(new SharedArrayBuffer(8));
  private readonly free: Batch[] = [];
  private made = 0;
  private cur: Batch;
  private failure: Error | null = null;
  private done = false;
  /** The bodies' slots: found here, so the worker neither hashes nor compares them. */
  private readonly keys = new BodyKeys();

  constructor(table: EventTable, header: Header, fd: number) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const init: LinesInit = { table, header: pb.Header.encode(header).finish(), fd, port: port2, ctl: this.ctl.buffer as SharedArrayBuffer };
    this.worker = new Worker(builtWorker('lines-worker', ['../analyzer/lines-worker.ts', '../analyzer/schema/rawlines.ts', '../analyzer/schema/lines.ts', 'fdwrite.ts', 'lazy.ts'], 'analyzer'),
      { workerData: init, transferList: [port2], execArgv: [] });
    this.worker.on('error', (e) => { this.failure ??= new Error(`line worker: ${e.message}`); });
    this.cur = this.take();
  }

  /** d's line, written by the worker; start: its live process's start (null: none known). */
  row(d: RawRecord, start: number | null): void {
    const cl = d.comm === undefined ? 0 : d.comm.length;
    const slot = this.keys.find(d.buf, d.bs, d.be);
    const bl = BodyKeys.hit(slot) ? 0 : d.be - d.bs;
    let b = this.cur;
    if (b.n === RECORDS || b.at + cl + bl > b.bytes.length) b = this.next(cl + bl);
    const f = b.f;
    const o = b.n * F;
    f[o] = d.ts; f[o + 1] = d.pid; f[o + 2] = d.tid; f[o + 3] = d.uid; f[o + 4] = d.ppid;
    f[o + 5] = d.gid; f[o + 6] = d.cpu; f[o + 7] = d.cgroup; f[o + 8] = start ?? NaN;
    f[o + 9] = KIND.get(d.kind)!;
    f[o + 10] = d.comm === undefined ? -1 : cl;
    f[o + 11] = bl;
    f[o + 12] = slot;
    const bytes = b.bytes;
    let at = b.at;
    if (d.comm !== undefined) { const c = d.comm; for (let i = 0; i < cl; i++) bytes[at++] = c[i]!; }
    const src = d.buf;
    if (bl <= 16) for (let i = d.bs, e = d.bs + bl; i < e; i++) bytes[at++] = src[i]!;
    else { bytes.set(src.subarray(d.bs, d.bs + bl), at); at += bl; }
    b.at = at;
    b.n++;
  }

  /** Bytes to write as they are, after the lines before them. */
  write(chunk: string | Uint8Array): void {
    const c = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (c.length === 0) return;
    let b = this.cur;
    if (b.n === RECORDS || b.at + c.length > b.bytes.length) b = this.next(c.length);
    b.bytes.set(c, b.at);
    b.f[b.n * F + 9] = -1;
    b.f[b.n * F + 11] = c.length;
    b.at += c.length;
    b.n++;
  }

  /** Sends what is left, and waits until the worker has written everything (or failed). */
  close(): void {
    if (this.done) return;
    this.done = true;
    try {
      if (this.cur.n > 0) this.send(this.cur);
      this.port.postMessage({ end: true } satisfies LinesItem);
      for (;;) {
        const m = this.wait();
        if ('done' in m) { this.fail(m.error); break; }
        this.fail(m.error);
      }
    } finally {
      this.port.close();
      void this.worker.terminate();
    }
    if (this.failure) throw this.failure;
  }

  private next(need: number): Batch {
    this.send(this.cur);
    return this.cur = this.take(need);
  }

  private send(b: Batch): void {
    if (this.failure) throw this.failure;
    this.port.postMessage({ f: b.f, bytes: b.bytes, n: b.n } satisfies LinesItem, [b.f.buffer as ArrayBuffer, b.bytes.buffer as ArrayBuffer]);
  }

  /** A free batch with room for `need` bytes: one made, or one the worker handed back. */
  private take(need = 0): Batch {
    for (;;) {
      for (;;) { // what came back meanwhile
        const m = receiveMessageOnPort(this.port)?.message as LinesReply | undefined;
        if (m === undefined) break;
        this.back(m);
      }
      if (this.failure) throw this.failure;
      const i = this.free.findIndex((x) => x.bytes.length >= need);
      if (i >= 0) { const b = this.free.splice(i, 1)[0]!; b.n = 0; b.at = 0; return b; }
      if (this.made < POOL || need > BYTES) {
        if (need <= BYTES) this.made++;
        return { f: new Float64Array(RECORDS * F), bytes: new Uint8Array(Math.max(BYTES, need)), n: 0, at: 0 };
      }
      this.back(this.wait());
    }
  }

  private back(m: LinesReply): void {
    this.fail(m.error);
    if ('f' in m && m.bytes.length === BYTES) this.free.push({ f: m.f, bytes: m.bytes, n: 0, at: 0 });
  }

  private fail(e: { code: string; message: string } | null): void {
    if (e === null || this.failure) return;
    this.failure = Object.assign(new Error(e.message), { code: e.code });
  }

  /** The worker's next reply, waited for. */
  private wait(): LinesReply {
    for (;;) {
      const seen = Atomics.load(this.ctl, 0);
      const exited = Atomics.load(this.ctl, 1) === 2; // read first: all it sent before exiting is then in the port
      const m = receiveMessageOnPort(this.port)?.message as LinesReply | undefined;
      if (m !== undefined) return m;
      if (this.failure) throw this.failure;
      if (exited) throw this.failure = new Error('the line worker ended before its work was done');
      Atomics.wait(this.ctl, 0, seen, 1000);
    }
  }
}
