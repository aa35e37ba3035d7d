// Capture writers: records → length-delimited protobuf → zstd frames with chained prefixes.
// CaptureWriterBase builds the raw frames; CaptureWriter seals and writes them in this thread,
// ThreadedCaptureWriter (threaded-writer.ts) hands them to a worker. Counts, frames and bytes
// are only ever those that reached the output.
import { pb, Writer, BODY_KINDS, FORMAT_MAJOR, FORMAT_MINOR, type BodyKind, type Header, type RecordInit } from './proto.js';
import { chainSeed, encodeEnd, encodeMagic } from './framing.js';
import { FrameSealer } from './seal.js';

export interface WriterOptions {
  /** Flush a frame once this many uncompressed bytes are pending. 1 MiB: large enough for ~7x
   * compression, small enough that a crash loses at most one frame (see also flushAfterMs). */
  frameBytes?: number;
  /** Flush a frame once its oldest record is this old (checked by maybeFlush). */
  flushAfterMs?: number;
  /** zstd level. 3: ~200-390 MiB/s here with ~7x on event records. */
  level?: number;
}

export type Sink = (chunk: Buffer) => void;

export interface TrailerInit {
  clean: boolean;
  reason: string;
  lost: number;
  ts: number;
  /** kernel records the recorder could not decode (kept as Malformed records) */
  malformed?: number;
  /** `lost` by probe family and lane: the sum of the Lost records written. */
  lostByProbe?: { probe: string; lane: string; count: number }[];
}

const KIND_INDEX = new Map<BodyKind, number>(BODY_KINDS.map((k, i) => [k, i]));

/** What one raw frame holds, for counting it once it is written. */
export interface FrameMeta {
  records: number;
  /** Records per kind, indexed like BODY_KINDS. */
  kinds: Uint32Array;
  /** Kind indexes in the order they first appear (so counts keep the order the records had). */
  order: number[];
  uncompressed: number;
}

export abstract class CaptureWriterBase {
  readonly frameBytes: number;
  readonly flushAfterMs: number;
  protected readonly level: number;
  /** The frame being filled: Capture.record entries (field 1, length-delimited), back to back. */
  private readonly w = Writer.create();
  private pendingRecords = 0;
  private pendingSince = 0;
  private pendingKinds = new Uint32Array(BODY_KINDS.length);
  private pendingOrder: number[] = [];
  private finished = false;
  /** Written to the output: */
  frames = 0;
  records = 0;
  bytesWritten = 0;
  uncompressedBytes = 0;
  readonly counts = new Map<BodyKind, number>();
  /** The chain value after the last frame written. */
  chain: Buffer = chainSeed();
  /** The first write error; from then on records are dropped and no trailer is written. */
  failed: NodeJS.ErrnoException | null = null;

  constructor(opts: WriterOptions) {
    this.frameBytes = opts.frameBytes ?? 1 << 20;
    this.flushAfterMs = opts.flushAfterMs ?? 1000;
    this.level = opts.level ?? 3;
  }

  /** Seals and writes one frame; raw is only valid during the call. */
  protected abstract writeFrame(raw: Uint8Array, meta: FrameMeta): void;
  /** Writes bytes outside any frame (magic, end marker). */
  protected abstract writeRaw(b: Buffer): void;
  /** Returns once everything handed over so far is written or has failed. */
  abstract drain(): void;

  /** Writes the file magic and the header record, and flushes so the host is known at once. */
  start(header: Header, ts = 0): void {
    this.writeRaw(encodeMagic(FORMAT_MAJOR, FORMAT_MINOR));
    this.add({ ts, header: { ...header, formatMajor: FORMAT_MAJOR, formatMinor: FORMAT_MINOR } }, 'header');
    this.flush();
  }

  add(rec: RecordInit, kind: BodyKind): void {
    if (this.failed) return;
    const w = this.w;
    w.uint32(10).fork();
    pb.Record.encode(rec, w);
    w.ldelim();
    this.counted(kind);
  }

  /** Adds a Record already encoded as protobuf wire bytes (without its Capture field tag/length);
   * the bytes are copied at once, so the caller may reuse its buffer. */
  addEncoded(bytes: Uint8Array, kind: BodyKind): void {
    if (this.failed) return;
    this.w.uint32(10).bytes(bytes);
    this.counted(kind);
  }

  /** Appends a whole frame of records already encoded as `Capture` wire bytes (the recorder's
   * fast path), after whatever add() left pending; raw is only read during the call. */
  addFrame(raw: Uint8Array, records: number, counts: Iterable<[BodyKind, number]>): void {
    if (this.failed || records === 0) return;
    this.flush();
    const kinds = new Uint32Array(BODY_KINDS.length);
    const order: number[] = [];
    for (const [kind, n] of counts) {
      const k = KIND_INDEX.get(kind)!;
      if (kinds[k] === 0 && n > 0) order.push(k);
      kinds[k]! += n;
    }
    this.writeFrame(raw, { records, kinds, order, uncompressed: raw.length });
  }

  private counted(kind: BodyKind): void {
    if (this.pendingRecords++ === 0) this.pendingSince = Date.now();
    const k = KIND_INDEX.get(kind)!;
    if (this.pendingKinds[k]!++ === 0) this.pendingOrder.push(k);
    if (this.w.pos >= this.frameBytes) this.flush();
  }

  /** Flushes when the pending frame is older than flushAfterMs; call it from the main loop. */
  maybeFlush(now = Date.now()): void {
    if (this.pendingRecords > 0 && now - this.pendingSince >= this.flushAfterMs) this.flush();
  }

  flush(): void {
    if (this.pendingRecords === 0) return;
    const raw = this.w.finish(true);
    const meta: FrameMeta = { records: this.pendingRecords, kinds: this.pendingKinds, order: this.pendingOrder, uncompressed: raw.length };
    this.pendingRecords = 0;
    this.pendingKinds = new Uint32Array(BODY_KINDS.length);
    this.pendingOrder = [];
    if (!this.failed) this.writeFrame(raw, meta);
    this.w.reset();
  }

  /** Writes the trailer in a frame of its own, then the end marker, and waits until all is
   * written. Returns the final chain. After a write error it writes nothing more. */
  finish(t: TrailerInit): Buffer {
    if (this.finished) return this.chain;
    this.finished = true;
    this.flush();
    this.drain();
    if (this.failed) return this.chain;
    const counts = [...this.counts].map(([kind, count]) => ({ kind, count }));
    this.add({
      ts: t.ts,
      trailer: { counts, lost: t.lost, clean: t.clean, reason: t.reason, frames: this.frames, chain: this.chain, records: this.records, malformed: t.malformed ?? 0, lostByProbe: t.lostByProbe ?? [] },
    }, 'trailer');
    this.flush();
    this.drain();
    if (!this.failed) this.writeRaw(encodeEnd({ frames: this.frames, records: this.records, chain: this.chain }));
    this.drain();
    return this.chain;
  }

  get chainHex(): string { return this.chain.toString('hex'); }

  /** Counts a frame that reached the output. */
  protected credit(meta: FrameMeta, chain: Buffer): void {
    this.chain = chain;
    this.frames++;
    this.records += meta.records;
    this.uncompressedBytes += meta.uncompressed;
    for (const i of meta.order) this.counts.set(BODY_KINDS[i]!, (this.counts.get(BODY_KINDS[i]!) ?? 0) + meta.kinds[i]!);
  }
}

/** Writes through a synchronous sink in this thread. A sink that throws stops the writer (the
 * frame is not counted) and the error propagates to the caller. */
export class CaptureWriter extends CaptureWriterBase {
  private readonly sealer: FrameSealer;

  constructor(private readonly sink: Sink, opts: WriterOptions = {}) {
    super(opts);
    this.sealer = new FrameSealer(this.level);
  }

  protected writeFrame(raw: Uint8Array, meta: FrameMeta): void {
    const s = this.sealer.seal(raw, meta.records);
    this.emit(s.bytes);
    this.sealer.commit(s);
    this.credit(meta, s.chain);
  }

  protected writeRaw(b: Buffer): void { this.emit(b); }

  drain(): void { /* every write is done when it returns */ }

  private emit(b: Buffer): void {
    try {
      this.sink(b);
    } catch (e) {
      this.failed = e as NodeJS.ErrnoException;
      throw e;
    }
    this.bytesWritten += b.length;
  }
}
