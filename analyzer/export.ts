// secanalyze export: captures → one table per kind, hive-partitioned host=…/kind=…, as Parquet,
// Arrow IPC, CSV or NDJSON. Streaming: records come one by one from the reader; text formats are
// written as bytes into a buffer per table (schema/lines.ts), Parquet/Arrow wait in parts of at
// most 3 × batchRows rows, so memory does not grow with the capture's length (only the process
// table does, with the number of processes).
import { closeSync, mkdirSync, openSync, writeSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import type * as Fl from '@uwdata/flechette';
import { BODY_FIELDS, CaptureReader, type BodyKind, type Header, type CaptureRecord, type RawRecord, type RecordPlan } from '../format/index.js';
import { CaptureRows, HELPERS, type RowContext } from './schema/rows.js';
import { TABLE_NAMES, type Row, type TableName } from './schema/tables.js';
import { csvHeader, lineWriter, recordLine, type LineWriter, type RecordLine } from './schema/lines.js';
import type { ArrowColumns, Feed } from './schema/columns.js';
import { TABLE_OF_BODY, type EventTable } from './schema/fields.js';
import { RawLines } from './schema/rawlines.js';

/** Arrow and Parquet's libraries, loaded only when a columnar format is asked for (a CSV export
 * does not compile parquet-wasm's WebAssembly). */
interface Columnar {
  fl: typeof Fl;
  pw: typeof import('parquet-wasm/node') | null;
  arrowColumns: typeof import('./schema/encode.js').arrowColumns;
  arrowIpc: typeof import('./schema/encode.js').arrowIpc;
  /** Each event table's record → Arrow builders code, compiled once. */
  feeds: { [T in EventTable]: Feed<RowContext, typeof HELPERS> };
}
let columnarLibs: Promise<Columnar> | null = null;
async function loadColumnar(parquet: boolean): Promise<Columnar> {
  columnarLibs ??= (async () => {
    const [fl, enc, cols, fields] = await Promise.all([import('@uwdata/flechette'), import('./schema/encode.js'), import('./schema/columns.js'), import('./schema/fields.js')]);
    const feeds = Object.fromEntries(Object.entries(fields.FIELDS).map(([t, f]) => [t, cols.feeder(f)])) as Columnar['feeds'];
    return { fl, pw: null, arrowColumns: enc.arrowColumns, arrowIpc: enc.arrowIpc, feeds };
  })();
  const c = await columnarLibs;
  if (parquet) c.pw ??= await import('parquet-wasm/node');
  return c;
}

export const EXPORT_FORMATS = ['parquet', 'arrow', 'csv', 'ndjson'] as const;
export type ExportFormat = typeof EXPORT_FORMATS[number];
const EXT: { [F in ExportFormat]: string } = { parquet: 'parquet', arrow: 'arrow', csv: 'csv', ndjson: 'ndjson' };

export interface ExportOptions {
  format: ExportFormat;
  outDir: string;
  /** Parquet/Arrow: rows per part file (memory holds at most twice this many rows). */
  batchRows?: number;
  /** CSV/NDJSON: write the lines of the kinds rawKinds() names from raw records (the default);
   * false decodes every record first (the reference path the tests compare the lines with). */
  raw?: boolean;
  warn?: (msg: string) => void;
}

export interface ExportResult {
  file: string;
  hostname: string;
  records: number;
  rows: { [T in TableName]?: number };
  files: string[];
  /** The reader's integrity verdict and its text. */
  verdict: string;
  intact: boolean;
}

/** A path component from host data: safe characters kept, the rest %-encoded, bounded. */
export function partitionValue(s: string): string {
  const v = Buffer.from(s, 'utf8').subarray(0, 128);
  let out = '';
  for (const b of v) out += /[A-Za-z0-9._-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out === '' || out === '.' || out === '..' ? `%${out || 'empty'}` : out;
}

// Snappy: the codec every Parquet reader has built in (hyparquet, older Spark/Trino/pyarrow).
// Dictionary pages only for hostname and boot_id (one value a capture): on every column they took
// two thirds of the writer's time for 12 % smaller files; min/max statistics per column chunk (what
// readers prune row groups by), not per page (bench/parquet.ts measures these choices).
function parquetBytes(c: Columnar, table: Fl.Table): Uint8Array {
  const pw = c.pw!;
  const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.SNAPPY)
    .setDictionaryEnabled(false).setColumnDictionaryEnabled('hostname', true).setColumnDictionaryEnabled('boot_id', true)
    .setStatisticsEnabled(pw.EnabledStatistics.Chunk).build();
  return pw.writeParquet(pw.Table.fromIPCStream(c.arrowIpc(table, false)), props);
}

/** All of b to fd (write may write less than asked). */
function writeAll(fd: number, b: Uint8Array): void {
  for (let done = 0; done < b.length;) done += writeSync(fd, b, done);
}

/** All of `bufs` to fd (writev may write less than asked). */
function writevAll(fd: number, bufs: Uint8Array[]): void {
  let total = 0;
  for (const b of bufs) total += b.length;
  let done = writevSync(fd, bufs);
  if (done === total) return;
  for (const b of bufs) { // rare: finish what a short writev left
    if (done >= b.length) { done -= b.length; continue; }
    writeSync(fd, b, done);
    done = 0;
  }
}

/** Every record, every field: the lazy decoder's fast path for the kinds it reads field by field
 * (protobufjs for the others, and for any record the fast path does not recognise exactly). */
const EVERY_FIELD: RecordPlan = {
  kinds: null,
  fields: new Map(Object.entries(BODY_FIELDS).map(([k, f]) => [k as BodyKind, new Set(Object.values(f).map(([name]) => name))])),
};

/** Kinds whose lines export writes from raw records (rawlines.ts): each a table whose body columns
 * are the body's alone, and a record the tree reads by its common fields only (not process, fork,
 * exec, exit). */
function rawKinds(format: 'csv' | 'json'): Set<BodyKind> {
  const lifecycle = new Set(['process', 'fork', 'exec', 'exit']);
  return new Set([...TABLE_OF_BODY].filter(([k, t]) => !lifecycle.has(k) && k in BODY_FIELDS && RawLines.can(t, format)).map(([k]) => k as BodyKind));
}

/** One table of one capture: text lines go through a byte buffer to their file, Parquet/Arrow
 * rows are buffered as columns and written out in parts. */
class TableSink {
  count = 0;
  /** Parquet/Arrow: the part being built, as columns (a record's values are copied in). */
  private readonly columns: ArrowColumns | null;
  /** CSV/NDJSON: the line writer, and the table's record → line code. */
  private readonly lines: LineWriter | null;
  private readonly recordLine: RecordLine | null;
  private readonly feed: Feed<RowContext, typeof HELPERS> | null;
  /** CSV/NDJSON of a table rawKinds() names: lines from raw records. */
  private readonly rawLines: RawLines | null;
  private part = 0;
  private fd: number | null = null;
  readonly files: string[] = [];
  constructor(private readonly table: TableName, private readonly dir: string, private readonly stem: string, private readonly format: ExportFormat,
    private readonly columnar: Columnar | null, ctx: RowContext) {
    this.columns = columnar ? columnar.arrowColumns(table) : null;
    this.feed = columnar && table !== 'processes' ? columnar.feeds[table] : null;
    const text = format === 'csv' ? 'csv' : 'json';
    this.lines = columnar ? null : lineWriter(table, text, (b) => writeAll(this.textFile(), b));
    this.recordLine = columnar || table === 'processes' ? null : recordLine(table, text);
    this.rawLines = this.lines && table !== 'processes' && RawLines.can(table, text) ? new RawLines(table, text, this.lines, ctx, HELPERS) : null;
  }

  /** Rows waiting for their part. */
  get pending(): number { return this.columns?.length ?? 0; }

  private create(name: string): number {
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, name);
    this.files.push(path);
    try { return openSync(path, 'wx', 0o644); } catch (e) { throw new Error(`cannot create ${path}: ${(e as Error).message} (export never overwrites; choose another -o)`); }
  }

  /** A row (the processes table). */
  add(row: Row): void {
    this.count++;
    if (this.columns) this.columns.add(row);
    else this.lines!.row(row);
  }

  /** A record of this (event) table: its values go straight to the columns or the line. */
  record(r: CaptureRecord, ctx: RowContext): void {
    this.count++;
    if (this.columns) this.columns.feed(this.feed!, r, ctx, HELPERS);
    else this.recordLine!(r, ctx, HELPERS, this.lines!);
  }

  /** A raw record of this table (CSV/NDJSON); `start`: its process's. */
  raw(d: RawRecord, start: number | null): void {
    this.count++;
    this.rawLines!.write(d, start);
  }

  private textFile(): number {
    if (this.fd === null) {
      this.fd = this.create(`${this.stem}.${EXT[this.format]}`);
      if (this.format === 'csv') writeSync(this.fd, csvHeader(this.table) + '\n');
    }
    return this.fd;
  }

  flush(final: boolean): void {
    if (this.lines) {
      this.lines.drain();
      if (final) this.textFile();
      return;
    }
    if (!this.pending && !(final && this.part === 0)) return;
    const table = this.columns!.take(!final);
    const fd = this.create(`${this.stem}-${String(this.part++).padStart(4, '0')}.${EXT[this.format]}`);
    try {
      if (this.format === 'parquet') writeSync(fd, parquetBytes(this.columnar!, table));
      else { // the IPC pieces as they are, in one writev (not first concatenated)
        const parts: Uint8Array[] = [];
        this.columnar!.fl.tableToIPC(table, { format: 'file', sink: { write: (b: Uint8Array) => { parts.push(b); }, finish: () => null } as never });
        for (let i = 0; i < parts.length; i += 1024) writevAll(fd, parts.slice(i, i + 1024));
      }
    } finally { closeSync(fd); }
  }

  close(): void { if (this.fd !== null) closeSync(this.fd); this.fd = null; }
}

/** Exports one capture under outDir/host=H/kind=K/. Every kind gets a file, empty ones too, so a
 * reader over many captures always finds every table's schema. */
export async function exportCapture(file: string, o: ExportOptions): Promise<ExportResult> {
  const batch = Math.max(1, o.batchRows ?? 16_384);
  const columnar = o.format === 'parquet' || o.format === 'arrow' ? await loadColumnar(o.format === 'parquet') : null;
  const text = o.format === 'csv' ? 'csv' : o.format === 'ndjson' ? 'json' : null;
  const raw = text && o.raw !== false ? rawKinds(text) : null;
  const reader = new CaptureReader(file, { plan: raw ? { ...EVERY_FIELD, raw } : EVERY_FIELD });
  let rows: CaptureRows | null = null;
  let sinks: Map<TableName, TableSink> | null = null;
  let header: Header | null = null;
  let records = 0;
  let buffered = 0;
  const open = (): Map<TableName, TableSink> => {
    header = reader.header;
    if (!header) o.warn?.(`${file}: the header record is missing (damaged start): hostname and times are unknown`);
    rows = new CaptureRows(header);
    const host = partitionValue(header?.hostname || 'unknown');
    const stem = `${Number(header?.startWallSec ?? 0)}-${partitionValue((header?.bootId ?? '').slice(0, 8))}-${header?.recorderPid ?? 0}`;
    return new Map(TABLE_NAMES.map((t) => [t, new TableSink(t, join(o.outDir, `host=${host}`, `kind=${t}`), stem, o.format, columnar, rows!.ctx)]));
  };
  let current: CaptureRecord | null = null;
  const rawSinks = new Map<BodyKind, TableSink>();
  const use = (t: EventTable): TableSink => { const s = sinks!.get(t)!; s.record(current!, rows!.ctx); return s; };
  try {
    // read(): records one by one into the sinks, no batch kept (the decoder copies the bytes it
    // hands out, so the frame's buffer is reused)
    await reader.read({
      record: (r) => {
        records++;
        sinks ??= open();
        current = r;
        const sink = rows!.each(r, use);
        if (!sink || !columnar) return;
        buffered++;
        if (sink.pending >= batch) { buffered -= sink.pending; sink.flush(false); }
        else if (buffered >= batch * 3) { // bound memory without writing many tiny parts of small tables
          const big = [...sinks.values()].reduce((a, b) => (b.pending > a.pending ? b : a));
          buffered -= big.pending;
          big.flush(false);
        }
      },
      touch: () => { /* the plan names no touch kinds */ },
      raw: (d) => {
        records++;
        sinks ??= open();
        const tree = rows!.ctx.tree;
        tree.touch(d.pid, d.ppid, d.uid, d.comm); // what observe() does with a record of these kinds
        let sink = rawSinks.get(d.kind);
        if (sink === undefined) rawSinks.set(d.kind, sink = sinks.get(TABLE_OF_BODY.get(d.kind)!)!);
        sink.raw(d, tree.startOf(d.pid));
      },
    });
    sinks ??= open();
    const procs = sinks.get('processes')!;
    for (const p of rows!.processes()) { procs.add(p); if (procs.pending >= batch) procs.flush(false); }
    for (const s of sinks.values()) s.flush(true);
  } finally {
    for (const s of sinks?.values() ?? []) s.close();
  }
  const h = header as Header | null;
  return {
    file, hostname: h?.hostname ?? '', records, verdict: reader.integrity().text, intact: reader.integrity().verdict === 'intact' || reader.integrity().verdict === 'unchained',
    rows: Object.fromEntries([...sinks!].map(([t, s]) => [t, s.count])), files: [...sinks!.values()].flatMap((s) => s.files),
  };
}

/** exportCapture() of each file, `jobs` at a time in worker threads (one capture per worker: a
 * fleet's captures export on every core); `done` is called in file order as results come. The first
 * error, in file order, is thrown once the files before it are done. jobs <= 1: in this thread. */
export async function exportCaptures(files: readonly string[], o: ExportOptions, jobs: number,
  done: (file: string, r: ExportResult, seconds: number) => void): Promise<void> {
  if (jobs <= 1 || files.length <= 1) {
    for (const f of files) {
      const t0 = performance.now();
      const r = await exportCapture(f, o);
      done(f, r, (performance.now() - t0) / 1000);
    }
    return;
  }
  const { Worker } = await import('node:worker_threads');
  const { builtWorker } = await import('../format/workers.js');
  const url = builtWorker('export-worker', ['../analyzer/export-worker.ts', '../analyzer/export.ts', '../analyzer/schema/rawlines.ts', '../analyzer/schema/lines.ts'], 'analyzer');
  const { warn, ...plain } = o;
  const results: ({ r: ExportResult; seconds: number } | { error: string } | undefined)[] = files.map(() => undefined);
  let next = 0;
  let shown = 0;
  const show = (): void => {
    for (; shown < files.length && results[shown] !== undefined; shown++) {
      const got = results[shown]!;
      if ('error' in got) return;
      done(files[shown]!, got.r, got.seconds);
    }
  };
  const workers = Array.from({ length: Math.min(jobs, files.length) }, () => new Worker(url, { execArgv: [] }));
  try {
    await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
      let current = -1;
      const give = (): void => {
        if (next >= files.length || results.some((x) => x !== undefined && 'error' in x)) { resolve(); return; }
        current = next++;
        w.postMessage({ id: current, file: files[current]!, o: plain });
      };
      w.on('message', (m: import('./export-worker.js').ExportReply) => {
        if ('warn' in m) { warn?.(m.warn); return; }
        results[m.id] = 'error' in m ? { error: m.error } : { r: m.result, seconds: m.seconds };
        show();
        give();
      });
      w.on('error', (e) => { if (current >= 0) results[current] ??= { error: e.message }; resolve(); });
      give();
    })));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  show();
  const failed = results.find((x) => x !== undefined && 'error' in x) as { error: string } | undefined;
  if (failed) throw new Error(failed.error);
}
