// The inflate worker: decompresses data frames and computes their chain value for a reader
// (format/reader-prefetch.ts), so that frames are decompressed on several cores while the reader
// decodes in order. It judges nothing: a frame that fails is answered with the error, and the
// reader reads that frame again itself, with every check.
import { parentPort } from 'node:worker_threads';
import { chainNext } from './framing.js';
import { newInflater } from './zstd.js';

/** To the worker: one frame's compressed bytes, its prefix fields and the chain value before it. */
export interface InflateJob {
  id: number;
  /** The compressed bytes are z[0, zLen) (z may be a reused, larger buffer). */
  z: ArrayBuffer;
  zLen: number;
  uncompressedLen: number;
  /** A new buffer gets 1/8 more room, so that it can be reused for the next frames. */
  slack: boolean;
  /** The prefix's five chain-covered fields (framing.ts prefixFields). */
  fields: Uint8Array;
  /** The chain value the frame follows, or null: no chain computed. */
  prev: Uint8Array | null;
  /** A buffer to decompress into when it is large enough (handed back for reuse). */
  out: ArrayBuffer | null;
}

/** From the worker, one per job. */
export interface InflateDone {
  id: number;
  /** The decompressed bytes are raw[0, n); null when the frame did not decompress. */
  raw: ArrayBuffer | null;
  n: number;
  chain: Uint8Array | null;
  error: string | null;
  /** The compressed bytes, handed back for reuse. */
  z: ArrayBuffer;
}

function serve(): void {
  const inflater = newInflater();
  parentPort!.on('message', (job: InflateJob) => {
    const z = new Uint8Array(job.z, 0, job.zLen);
    const chain = job.prev === null ? null : new Uint8Array(chainNext(job.prev, job.fields, z));
    const want = Math.max(job.uncompressedLen, 1);
    const raw = job.out !== null && job.out.byteLength >= want ? job.out : new ArrayBuffer(job.slack ? want + (want >> 3) : want);
    const done: InflateDone = { id: job.id, raw: null, n: 0, chain, error: null, z: job.z };
    try {
      done.n = inflater.decompress(new Uint8Array(raw, 0, want), z);
      done.raw = raw;
    } catch (e) {
      done.error = (e as Error).message;
    }
    parentPort!.postMessage(done, done.raw ? [done.raw, job.z] : [job.z]);
  });
}

if (parentPort) serve();
