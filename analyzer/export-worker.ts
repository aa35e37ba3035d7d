// An export worker: exports the captures it is sent, one at a time, as exportCapture() does in
// the main thread (analyzer/export.ts exportCaptures: one capture per worker, several at once).
import { parentPort } from 'node:worker_threads';
import { exportCapture, type ExportOptions, type ExportResult } from './export.js';

/** To the worker: a capture and the options (warn is the worker's: its messages come back). */
export interface ExportJob { id: number; file: string; o: Omit<ExportOptions, 'warn'> }
/** From the worker: a warning about a job, then its result or its error. */
export type ExportReply = { id: number; warn: string } | { id: number; result: ExportResult; seconds: number } | { id: number; error: string };

parentPort!.on('message', (job: ExportJob) => {
  const t0 = performance.now();
  exportCapture(job.file, { ...job.o, warn: (m) => parentPort!.postMessage({ id: job.id, warn: m } satisfies ExportReply) }).then(
    (result) => parentPort!.postMessage({ id: job.id, result, seconds: (performance.now() - t0) / 1000 } satisfies ExportReply),
    (e: unknown) => parentPort!.postMessage({ id: job.id, error: e instanceof Error ? e.message : String(e) } satisfies ExportReply));
});
