// The pipeline's last phase: what a view emits → the output sink. A tabular view emits items of
// its ViewTable (schema/views.ts) and the renderer writes each as the classic tool's text line,
// an NDJSON row or a CSV row; every view may also write plain lines (tree, info, scripts).
// Text and JSON pass through guard() (terminal escapes become \uXXXX: lossless in JSON); CSV has
// no escape syntax, so it is guarded only when the sink is a terminal.
import type { ViewContext } from './pipeline.js';
import { columnsOf, csvHeaderOf, csvLine, jsonLine, type ViewTable } from './schema/views.js';
import { guard } from './text.js';
import { lineWriter, recordLine, type LineWriter, type RecordLine } from './schema/lines.js';
import { RawLines } from './schema/rawlines.js';
import type { RawRecord } from '../format/index.js';
import { HELPERS } from './schema/rows.js';
import { rowsFor } from './schema/views.js';
import { isatty } from 'node:tty';
import { writeFully } from '../format/fdwrite.js';
import { RemoteLines, remoteAfter } from './remote-lines.js';

export type OutputFormat = 'text' | 'json' | 'csv';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json', 'csv'];

/** Where results go: process.stdout, a file (replay -o), or a test's buffer. */
export interface Sink {
  write(chunk: string | Uint8Array): unknown;
  readonly isTTY?: boolean;
}

/** Standard output (or another descriptor), written synchronously: a reader that went away
 * (`secanalyze … | head -1`) throws EPIPE out of the write, which ends the run at once; a stream's
 * error event would wait for an event-loop turn that a long synchronous read never gives. The
 * bytes handed in are free again when write() returns. */
export class FdSink implements Sink {
  readonly writableLength = 0;
  readonly isTTY: boolean;
  constructor(readonly fd = 1) { this.isTTY = isatty(fd); }
  write(chunk: string | Uint8Array): void {
    const { error } = writeFully(this.fd, typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    if (error) throw error;
  }
}

/** A sink that keeps everything written (tests, the report, charts). */
export class MemorySink implements Sink {
  readonly parts: Buffer[] = [];
  write(chunk: string | Uint8Array): void { this.parts.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk)); }
  get bytes(): Buffer { return Buffer.concat(this.parts); }
  get text(): string { return this.bytes.toString('utf8'); }
}

/** Buffered: a view writes many lines; one write per 64 KiB. */
export class Renderer {
  private parts: string[] = [];
  private size = 0;
  /** Some line since the last flush is not guarded yet. */
  private unguarded = false;
  private readonly started = new WeakSet<ViewTable<any>>();
  private readonly guarded: boolean;
  /** --json lines of a table with `lines`, as bytes (schema/lines.ts). */
  private writer: LineWriter | null = null;
  private writerTable: string | null = null;
  private writeLine: RecordLine | null = null;
  constructor(readonly format: OutputFormat = 'text', private readonly sink: Sink = new FdSink(1)) {
    this.guarded = format !== 'csv' || !!sink.isTTY;
  }

  /** Whether the sink is a terminal (a view warns before writing raw bytes to one). */
  get isTTY(): boolean { return !!this.sink.isTTY; }

  /** One item of a view's table, in the chosen format. */
  row<I>(t: ViewTable<I>, item: I, ctx: ViewContext): void {
    const first = !this.started.has(t);
    if (first) this.started.add(t);
    if (this.format === 'text') {
      if (first && t.header) this.line(t.header(ctx));
      const s = t.text(item, ctx);
      if (typeof s === 'string') this.line(s); else this.raw(s);
      return;
    }
    const cols = columnsOf(t);
    if (this.format === 'csv') {
      if (first) this.line(csvHeaderOf(cols));
      this.line(csvLine(cols, t.row(item, ctx)));
    } else if (t.lines) {
      this.bytesOf(t)(item, rowsFor(ctx), HELPERS, this.writer!);
    } else {
      this.line(jsonLine(cols, t.row(item, ctx)));
    }
  }

  /** Whether rawRow() can write this table's items (--json of a table with byte lines). */
  canRaw(t: ViewTable<any>): boolean { return this.format === 'json' && t.lines !== undefined && RawLines.can(t.lines, 'json'); }

  /** row() of a raw record (canRaw(t)); `start`: the start of its live process. */
  rawRow(t: ViewTable<any>, d: RawRecord, ctx: ViewContext, start: number | null): void {
    if (this.remote !== null && this.remoteTable === t) { this.remote.row(d, start); return; }
    if (++this.rawRows === this.remoteAfter && this.sink instanceof FdSink && this.remote === null) {
      // many lines to come: a worker writes them from here on, beside the reading (remote-lines.ts)
      this.flush();
      this.remote = new RemoteLines(t.lines!, ctx.header, this.sink.fd);
      this.remoteTable = t;
      this.remote.row(d, start);
      return;
    }
    this.started.add(t);
    this.bytesOf(t);
    if (this.rawLines === null || this.rawWriter !== this.writer) {
      this.rawLines = new RawLines(t.lines!, 'json', this.writer!, rowsFor(ctx), HELPERS);
      this.rawWriter = this.writer;
    }
    this.rawLines.write(d, start);
  }
  private rawLines: RawLines | null = null;
  private rawWriter: LineWriter | null = null;
  private rawRows = 0;
  private readonly remoteAfter = remoteAfter();
  private remote: RemoteLines | null = null;
  private remoteTable: ViewTable<any> | null = null;

  /** Everything written goes out (a line worker's lines too), or its error is thrown. */
  close(): void {
    this.flush();
    this.remote?.close();
  }

  /** To the sink, or after the line worker's lines when it writes them. */
  private emit(chunk: string | Uint8Array): void {
    if (this.remote !== null) this.remote.write(chunk);
    else this.sink.write(chunk);
  }

  /** The byte writer of a table with `lines` (what was buffered as text is written first). */
  private bytesOf(t: ViewTable<any>): RecordLine {
    if (this.parts.length) this.flush();
    const table = t.lines!;
    if (this.writerTable !== table) {
      this.writer?.drain();
      // a stream that queued the bytes (a full pipe) keeps them: the writer then takes a new buffer
      this.writer = lineWriter(table, 'json', (b) => {
        this.emit(b);
        return this.remote === null && (this.sink as { writableLength?: number }).writableLength !== 0 && !(this.sink instanceof MemorySink);
      }, true);
      this.writerTable = table;
      this.writeLine = recordLine(table, 'json');
    }
    return this.writeLine!;
  }

  /** CSV: the header line of each table that had no row (an empty result still names its columns). */
  finish(tables: readonly ViewTable<any>[]): void {
    if (this.format !== 'csv') return;
    for (const t of tables) if (!this.started.has(t)) { this.started.add(t); this.line(csvHeaderOf(columnsOf(t))); }
  }

  /** A line of text output only (blank lines and titles between a table's groups). */
  textLine(s: string): void { if (this.format === 'text') this.line(s); }

  /** A line as it is (scripts, trees, info); guarded like every line. */
  line(s: string): void {
    this.unguarded = true;
    this.guardedLine(s);
  }

  /** A line guard() leaves as it is (a table's json()): a chunk of only these is not scanned again. */
  private guardedLine(s: string): void {
    this.writer?.drain();
    this.parts.push(s, '\n');
    this.size += s.length + 1;
    if (this.size >= 65536) this.flush();
  }

  /** Bytes written unchanged (ttysnoop's raw mode), after what is buffered. */
  raw(s: string | Uint8Array): void {
    this.flush();
    this.emit(s);
  }

  flush(): void {
    this.writer?.drain();
    if (!this.parts.length) return;
    const s = this.parts.join('');
    this.emit(this.guarded && this.unguarded ? guard(s) : s); // per character, so once per chunk is guard() per line
    this.unguarded = false;
    this.parts = [];
    this.size = 0;
  }
}
