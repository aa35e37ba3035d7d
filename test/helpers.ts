// Test helpers: synthetic captures written through the real writer, and view output captured.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bodyKindOf, CaptureWriter, type Header, type RecordInit } from '../format/index.js';
import { run, type Filters, type RunOptions, type View } from '../analyzer/pipeline.js';
import { MemorySink, type OutputFormat } from '../analyzer/render.js';

export const tmp = (): string => mkdtempSync(join(tmpdir(), 'secrec-test-'));

export const HEADER: Header = {
  hostname: 'victim', kernelRelease: '6.18.0', arch: 'x86_64', bootId: 'b', startMonoSec: 100, startMonoNsec: 0,
  startWallSec: 1_700_000_000, startWallNsec: 0, timezone: 'UTC', users: [{ uid: 0, name: 'root' }, { uid: 1000, name: 'alice' }],
  probes: [{ name: 'exec', attached: true }, { name: 'module', attached: true }], recorderVersion: 'test',
};

export const kindOf = bodyKindOf;

/** Writes records into a capture; returns its bytes and path. */
export function writeCapture(records: RecordInit[], opts: { frameBytes?: number; finish?: boolean; header?: Header } = {}): { path: string; bytes: Buffer } {
  const chunks: Buffer[] = [];
  const w = new CaptureWriter((b) => chunks.push(Buffer.from(b)), { frameBytes: opts.frameBytes ?? 1 << 20 });
  w.start(opts.header ?? HEADER);
  for (const r of records) w.add(r, kindOf(r));
  if (opts.finish !== false) w.finish({ clean: true, reason: 'test', lost: 0, ts: records.at(-1)?.ts ?? 0 });
  else w.flush();
  const bytes = Buffer.concat(chunks);
  const path = join(tmp(), 'test.cap');
  writeFileSync(path, bytes);
  return { path, bytes };
}

/** Runs a view on a capture into a buffer (the pipeline's output sink); returns its text, bytes and the warnings. */
export async function runView(file: string, view: View, o: { json?: boolean; format?: OutputFormat; filters?: Filters; tty?: boolean; raw?: boolean; times?: RunOptions['times'] } = {}) {
  const sink = Object.assign(new MemorySink(), { isTTY: !!o.tty });
  const warnings: string[] = [];
  await run(view, { file, format: o.format ?? (o.json ? 'json' : 'text'), output: sink, filters: o.filters ?? {}, warn: (m) => warnings.push(m), ...(o.raw !== undefined ? { raw: o.raw } : {}), ...(o.times ? { times: o.times } : {}) });
  const bytes = sink.bytes;
  return { text: bytes.toString('utf8'), bytes, warnings };
}
