// The line worker: writes a table's --json lines from the raw records a view's main thread sends it
// (analyzer/remote-lines.ts), with the same RawLines the main thread uses, and writes them, and any
// bytes sent between them, to the output descriptor in the order they were sent. Reading and
// deciding stay on the main thread; the writing (about 60 % of `--opens --json`) runs beside it.
import { workerData, type MessagePort } from 'node:worker_threads';
import { BODY_KINDS, LazyDecoder, RawRecordImpl, pb } from '../format/index.js';
import { writeFully } from '../format/fdwrite.js';
import { lineWriter } from './schema/lines.js';
import { RawLines } from './schema/rawlines.js';
import { rowContext, HELPERS } from './schema/rows.js';
import type { EventTable } from './schema/fields.js';

/** Doubles per record in a batch: ts, pid, tid, uid, ppid, gid, cpu, cgroup, start (NaN: none),
 * kind (index in BODY_KINDS; -1: bytes to write as they are), comm length (-1: none), body length,
 * and the body's slot (BodyKeys.find() on the main thread: a hit sends no body bytes). The comm's
 * and the body's bytes follow one another in the batch's byte area, record by record. */
export const F = 13;

export interface LinesInit {
  table: EventTable;
  header: Uint8Array;
  fd: number;
  port: MessagePort;
  /** [0]: replies sent (the main thread waits on it); [1]: 2 once the worker has exited. */
  ctl: SharedArrayBuffer;
}
/** To the worker: a batch of n entries, or the end. */
export type LinesItem = { f: Float64Array; bytes: Uint8Array; n: number } | { end: true };
/** From the worker: a batch handed back, or the end; error: the first write error (then nothing more is written). */
export type LinesReply = { f: Float64Array; bytes: Uint8Array; error: { code: string; message: string } | null } | { done: true; error: { code: string; message: string } | null };

function serve(init: LinesInit): void {
  const header = pb.Header.decode(init.header);
  let error: { code: string; message: string } | null = null;
  const W = lineWriter(init.table, 'json', (b) => {
    if (error !== null) return;
    const r = writeFully(init.fd, b);
    if (r.error) error = { code: r.error.code ?? 'EIO', message: r.error.message };
  }, true);
  const lines = new RawLines(init.table, 'json', W, rowContext(header), HELPERS, false);
  const decoder = new LazyDecoder({ kinds: null, fields: new Map() }); // bodies and comms as the main thread's
  const rec = new RawRecordImpl(decoder);
  const ctl = new Int32Array(init.ctl);
  process.on('exit', () => { Atomics.store(ctl, 1, 2); Atomics.notify(ctl, 0); });
  const back = (m: LinesReply, transfer: ArrayBuffer[]): void => {
    init.port.postMessage(m, transfer);
    Atomics.add(ctl, 0, 1);
    Atomics.notify(ctl, 0);
  };
  init.port.on('message', (m: LinesItem) => {
    if ('end' in m) {
      if (error === null) W.drain();
      back({ done: true, error }, []);
      init.port.close();
      return;
    }
    const { f, bytes, n } = m;
    let at = 0;
    for (let i = 0, o = 0; i < n && error === null; i++, o += F) {
      const kind = f[o + 9]!;
      const cl = f[o + 10]!;
      const bl = f[o + 11]!;
      if (kind < 0) { // bytes between the lines: what the view wrote otherwise
        W.drain();
        if (error !== null) break;
        const r = writeFully(init.fd, bytes.subarray(at, at + bl));
        if (r.error) error = { code: r.error.code ?? 'EIO', message: r.error.message };
        at += bl;
        continue;
      }
      rec.kind = BODY_KINDS[kind]!;
      rec.ts = f[o]!; rec.pid = f[o + 1]!; rec.tid = f[o + 2]!; rec.uid = f[o + 3]!; rec.ppid = f[o + 4]!;
      rec.gid = f[o + 5]!; rec.cpu = f[o + 6]!; rec.cgroup = f[o + 7]!;
      rec.comm = cl < 0 ? undefined : decoder.commOf(bytes, at, at + cl);
      at += cl < 0 ? 0 : cl;
      rec.buf = bytes; rec.bs = at; rec.be = at + bl;
      at += bl;
      const start = f[o + 8]!;
      lines.write(rec, start === start ? start : null, f[o + 12]!);
    }
    back({ f, bytes, error }, [f.buffer as ArrayBuffer, bytes.buffer as ArrayBuffer]);
  });
}

if (workerData && (workerData as Partial<LinesInit>).port) serve(workerData as LinesInit);
