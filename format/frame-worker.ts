// The frame worker: compresses, chains and writes the frames ThreadedCaptureWriter hands it, in
// order, to an fd it shares with the process. It answers every message, so the writer can count
// exactly what was written; after the first write error it writes nothing more.
import { workerData, type MessagePort } from 'node:worker_threads';
import { writeFully } from './fdwrite.js';
import { FrameSealer } from './seal.js';

export interface WorkInit {
  fd: number;
  level: number;
  port: MessagePort;
  /** Int32 [0]: messages answered, for the writer to wait on with Atomics.wait;
   * [1]: 1 once the worker serves, 2 once it has exited (so a waiting writer never hangs). */
  done: SharedArrayBuffer;
}

/** To the worker: bytes to write as they are (records === null) or a raw frame to seal. */
export interface WorkItem { buf: ArrayBuffer; len: number; records: number | null }
export interface WorkClose { close: true }

/** From the worker, one per WorkItem, in order; buf is handed back for reuse. */
export interface WorkDone {
  buf: ArrayBuffer;
  /** Bytes that reached the fd (part of the item when ok is false). */
  bytes: number;
  ok: boolean;
  /** Chain value after this frame, when a frame was written. */
  chain: Uint8Array | null;
  error: { code: string; message: string } | null;
}

function serve(init: WorkInit): void {
  const sealer = new FrameSealer(init.level);
  // zstd sizes its tables and window on the first frame: do that now, not on the first burst
  // (sealed and thrown away: the chain moves only on commit()).
  sealer.seal(new Uint8Array(256 << 10).fill(0x61), 1);
  const done = new Int32Array(init.done);
  let failed = false;
  Atomics.store(done, 1, 1);
  process.on('exit', () => { Atomics.store(done, 1, 2); Atomics.notify(done, 0); });
  init.port.on('message', (m: WorkItem | WorkClose) => {
    if ('close' in m) { init.port.close(); return; }
    const reply: WorkDone = { buf: m.buf, bytes: 0, ok: false, chain: null, error: null };
    try {
      if (failed) {
        reply.error = { code: 'ECANCELED', message: 'not written: an earlier write failed' };
      } else {
        const raw = new Uint8Array(m.buf, 0, m.len);
        const sealed = m.records === null ? null : sealer.seal(raw, m.records);
        const r = writeFully(init.fd, sealed ? sealed.bytes : raw);
        reply.bytes = r.written;
        if (r.error) {
          failed = true;
          reply.error = { code: r.error.code ?? 'EIO', message: r.error.message };
        } else {
          reply.ok = true;
          if (sealed) { sealer.commit(sealed); reply.chain = sealed.chain; }
        }
      }
    } catch (e) {
      failed = true;
      reply.error = { code: 'EWORKER', message: `frame worker: ${(e as Error).message}` };
    }
    init.port.postMessage(reply, [m.buf]);
    Atomics.add(done, 0, 1);
    Atomics.notify(done, 0);
  });
}

if (workerData && (workerData as Partial<WorkInit>).port) serve(workerData as WorkInit);
