// CaptureReader: a streaming, bounded, forgiving reader of capture files.
// Every intact record is yielded; damage is reported as CaptureIssue and reading goes on at the
// next frame. Only a file that is not a capture at all, or of a newer major version, throws.
import { FORMAT_MAJOR, type CaptureRecord, type Header, type Trailer } from './proto.js';
import {
  DATA_PREFIX_LEN, END_LEN, FILE_TAG, LIMITS, MAGIC_LEN, SKIPPABLE_MAGIC_DATA, SKIPPABLE_MAGIC_END,
  SKIPPABLE_MAGIC_MAGIC, chainNext, prefixFields, chainSeed, decodeDataPrefix, decodeEnd, isSkippable,
  type DataPrefix, type EndMarker,
} from './framing.js';
import { ByteStream } from './bytes.js';
import { frameRecords } from './records.js';
import { LazyDecoder, type CountWindow, type RecordPlan, type RecordSink } from './lazy.js';
import { newInflater } from './zstd.js';
import { CaptureError, describeIssue, type CaptureIssue } from './errors.js';
import { FramePrefetcher, type Prefetched } from './reader-prefetch.js';

export interface ReaderOptions {
  limits?: Partial<typeof LIMITS>;
  /** Recompute the SHA-256 chain (on by default; ~1 GB/s). */
  verify?: boolean;
  /** Name used in messages when the source is a stream. */
  name?: string;
  /** Decode only some kinds and fields (see format/lazy.ts); absent: every record, whole. */
  plan?: RecordPlan;
  /** Framing only (--info): chain every frame, but decompress only the first and the last (header
   * and trailer); the others' records are counted from their prefixes and not yielded. */
  skim?: boolean;
  /** Records per Frame batch (default 8192): memory does not grow with a frame's record count. */
  batch?: number;
  /** Asked for every data frame after the first, once its chain is checked: true passes over it
   * undecoded (a time index knows none of its records is wanted); its records are counted from its prefix. */
  skipFrame?: (p: DataPrefix, at: number) => boolean;
  /** Inflate workers that decompress and chain frames ahead of the reader (format/reader-prefetch.ts;
   * see workersFor()). A file only, not with skim or skipFrame; absent or 0: all in this thread. */
  workers?: number;
}

/** What read() delivers to: each record in order, then the end of its frame. */
export interface FrameSink extends RecordSink {
  /** After each data frame's records: its offset in the file and compressed length. */
  frameEnd?(offset: number, compressedLen: number): void;
}

/** A data frame whose bytes are in hand, decompressed, before its records are decoded. */
interface RawFrame { at: number; index: number; compressedLen: number; records: number; raw: Buffer; pooled: boolean }

export interface Frame {
  index: number;
  /** Offset of the frame's prefix in the file. */
  offset: number;
  compressedLen: number;
  uncompressedLen: number;
  /** Index (over the capture) of records[0]. */
  firstRecord: number;
  /** Records in file order; a large frame comes as several Frame objects (batches) with the same index. */
  records: CaptureRecord[];
  /** More batches of this frame follow. */
  more: boolean;
}

export type Verdict = 'intact' | 'truncated' | 'damaged' | 'unchained';

export interface Integrity {
  verdict: Verdict;
  /** "intact", "truncated after frame N", "frame N does not match", ... */
  text: string;
  cleanEnd: boolean;
}

const RESYNC_SIGNATURE = Buffer.from([0x51, 0x2a, 0x4d, 0x18, 56, 0, 0, 0, 0x53, 0x45, 0x43, 0x46]);
const END_SIGNATURE = Buffer.from([0x52, 0x2a, 0x4d, 0x18, 48, 0, 0, 0, 0x53, 0x45, 0x43, 0x45]);

export class CaptureReader {
  readonly file: string;
  readonly issues: CaptureIssue[] = [];
  formatMajor = 0;
  formatMinor = 0;
  frameCount = 0;
  recordCount = 0;
  fileBytes = 0;
  uncompressedBytes = 0;
  header: Header | null = null;
  trailer: Trailer | null = null;
  endMarker: EndMarker | null = null;
  /** Index of the last data frame read whole (-1: none). */
  lastFrame = -1;
  firstMismatch: number | null = null;
  private readonly limits: typeof LIMITS;
  private readonly verify: boolean;
  private readonly src: ByteStream;
  private chain = chainSeed();
  /** False after a skipped prefix: `chain` is then only a guess, and a mismatch blames no frame. */
  private chainTrusted = true;
  private readonly batch: number;
  private readonly decoder: LazyDecoder | undefined;
  private readonly skim: boolean;
  private held: { p: DataPrefix; at: number; z: Buffer | null } | null = null;
  /** Frames only chained, not decompressed (skim). */
  skimmedFrames = 0;
  /** Records passed over undecoded because the plan does not want their kind. */
  skippedRecords = 0;
  /** Frames decompressed, and frames passed over by skipFrame. */
  decompressedFrames = 0;
  /** Of those, frames an inflate worker decompressed (and chained). */
  workerFrames = 0;
  passedFrames = 0;
  private readonly skipFrame: ((p: DataPrefix, at: number) => boolean) | undefined;
  private readonly workers: number;
  private prefetch: FramePrefetcher | null = null;
  private readonly inflater = newInflater();
  private out = Buffer.alloc(0);
  private started = false;
  /** read() with a decoder that copies: the frame buffer is reused. */
  private reuse = false;

  constructor(source: string | AsyncIterable<Uint8Array>, opts: ReaderOptions = {}) {
    this.file = typeof source === 'string' ? source : (opts.name ?? '<stream>');
    this.src = typeof source === 'string' ? ByteStream.fromFile(source) : new ByteStream(source);
    this.limits = { ...LIMITS, ...opts.limits };
    this.verify = opts.verify ?? true;
    this.batch = Math.max(1, opts.batch ?? 8192);
    this.decoder = opts.plan ? new LazyDecoder(opts.plan) : undefined;
    this.skim = opts.skim ?? false;
    this.skipFrame = opts.skipFrame;
    this.workers = typeof source === 'string' && !this.skim && !this.skipFrame ? opts.workers ?? 0 : 0;
  }

  /** Reads the file magic; throws CaptureError if this is not a capture we can read. */
  async open(): Promise<void> {
    if (this.started) return;
    this.started = true;
    let ok: boolean;
    try { ok = await this.src.ensure(MAGIC_LEN); } catch (e) { throw this.ioError(e); }
    const m = this.src.peek(MAGIC_LEN);
    if (!ok || m.readUInt32LE(0) !== SKIPPABLE_MAGIC_MAGIC || m.readUInt32LE(4) !== 12 ||
        m.toString('latin1', 8, 16) !== FILE_TAG) {
      throw new CaptureError(this.file, 0, 'not-a-capture',
        ok ? 'not a secrec capture (no SECRCAP1 magic)' : `not a secrec capture (${this.src.available} bytes, too short)`);
    }
    this.formatMajor = m.readUInt16LE(16);
    this.formatMinor = m.readUInt16LE(18);
    if (this.formatMajor > FORMAT_MAJOR) {
      throw new CaptureError(this.file, 16, 'newer-version',
        `capture format ${this.formatMajor}.${this.formatMinor} is newer than this analyzer reads (${FORMAT_MAJOR}.x): upgrade secanalyze`);
    }
    if (this.formatMajor === 0) {
      this.issue({ kind: 'bad-version', offset: 16, message: `the magic names format ${this.formatMajor}.${this.formatMinor}, which no secrec wrote; read as ${FORMAT_MAJOR}.x` });
    }
    this.src.skip(MAGIC_LEN);
    if (this.workers > 0) this.prefetch = new FramePrefetcher(this.file, this.workers, MAGIC_LEN, this.chain, this.limits);
  }

  /** Data frames in file order, each with its decoded records. */
  async *frames(): AsyncGenerator<Frame> {
    await this.open();
    try {
      for (;;) {
        const f = await this.next();
        if (f === undefined) break;
        if (f !== null) yield* this.decodeFrame(f);
      }
    } finally {
      this.fileBytes = this.src.offset;
      await this.src.close();
      await this.prefetch?.close();
    }
  }

  /** Every record to `sink`, synchronously and in order, no batch kept: the plan's touch and counted
   * kinds apply (see format/lazy.ts). The same checks, issues and counts as frames(). */
  async read(sink: FrameSink): Promise<void> {
    await this.open();
    if (this.decoder !== undefined && !this.decoder.everything && !this.skim) this.reuse = this.decoder.copies = true;
    if (this.prefetch !== null) this.prefetch.slack = this.reuse;
    try {
      for (;;) {
        const f = await this.next();
        if (f === undefined) break;
        if (f === null) continue;
        const own: RecordSink = { record: (rec, n) => { this.observe(rec, f); sink.record(rec, n); }, touch: sink.touch, ...(sink.raw ? { raw: sink.raw } : {}) };
        for (const _ of this.decodeFrame(f, own)) { /* nothing is batched with a sink */ }
        if (f.pooled && this.reuse) this.prefetch!.recycle(f.raw.buffer as ArrayBuffer); // the decoder copied what it handed out
        sink.frameEnd?.(f.at, f.compressedLen);
      }
      this.decoder?.flush(); // the counted records (lazy.ts), to the last frame's sink
    } finally {
      this.fileBytes = this.src.offset;
      await this.src.close();
      await this.prefetch?.close();
    }
  }

  /** The window counted kinds must lie in (read() only; until it is set, nothing is counted). */
  set countWindow(w: CountWindow | null) { if (this.decoder) this.decoder.window = w; }

  async *records(): AsyncGenerator<CaptureRecord> {
    for await (const f of this.frames()) yield* f.records;
  }

  integrity(): Integrity {
    const cleanEnd = !!this.trailer?.clean && this.endMarker !== null;
    if (this.firstMismatch !== null) return { verdict: 'damaged', text: `frame ${this.firstMismatch} does not match`, cleanEnd };
    const damage = this.issues.find((i) => i.kind !== 'truncated');
    if (damage) return { verdict: 'damaged', text: `damaged at byte ${damage.offset}: ${damage.message}`, cleanEnd };
    if (this.endMarker === null) {
      return { verdict: 'truncated', text: this.lastFrame < 0 ? 'truncated before the first frame' : `truncated after frame ${this.lastFrame}`, cleanEnd };
    }
    if (!this.verify) return { verdict: 'unchained', text: 'not verified', cleanEnd };
    return { verdict: 'intact', text: 'intact', cleanEnd };
  }

  describeIssues(): string[] { return this.issues.map((i) => describeIssue(this.file, i)); }

  /** One step: a frame, null (something else consumed), or undefined at the end. */
  private async next(): Promise<RawFrame | null | undefined> {
    const src = this.src;
    if (this.held !== null && (!(await this.ensure(8)) || src.peek(4).readUInt32LE(0) !== SKIPPABLE_MAGIC_DATA)) return this.unhold();
    if (!(await this.ensure(8))) {
      if (src.available > 0) this.issue({ kind: 'truncated', offset: src.offset, skipped: src.drain(), message: 'file ends inside a frame header' });
      return undefined;
    }
    const head = src.peek(8);
    const magic = head.readUInt32LE(0);
    if (magic === SKIPPABLE_MAGIC_DATA) return this.dataFrame();
    if (magic === SKIPPABLE_MAGIC_END && head.readUInt32LE(4) === 48) {
      const at = src.offset;
      if (!(await this.ensure(END_LEN))) {
        this.issue({ kind: 'truncated', offset: at, skipped: src.drain(), message: 'file ends inside the end marker' });
        return undefined;
      }
      const end = decodeEnd(src.peek(END_LEN), 0);
      if (end === null) return this.resync(at, 'malformed end marker');
      src.skip(END_LEN);
      this.endMarker = end;
      if (end.frames !== this.lastFrame + 1 || end.records !== this.recordCount) {
        this.issue({ kind: 'frame-gap', offset: at, message: `end marker counts ${end.frames} frames and ${end.records} records, read ${this.lastFrame + 1} and ${this.recordCount}` });
      }
      if (this.verify && this.chainTrusted && this.firstMismatch === null && !end.chain.equals(this.chain)) {
        this.firstMismatch = end.frames;
        this.issue({ kind: 'chain-mismatch', offset: at, message: 'end marker does not match the frames before it' });
      }
      return null;
    }
    if (isSkippable(magic)) {
      // Metadata a newer writer may add: skip it, bounded.
      const size = head.readUInt32LE(4);
      const at = src.offset;
      if (size > this.limits.frameCompressed) return this.resync(at, `skippable frame of ${size} bytes is over the limit`);
      if (!(await this.ensure(8 + size))) {
        this.issue({ kind: 'truncated', offset: at, skipped: src.drain(), message: 'file ends inside a skippable frame' });
        return undefined;
      }
      src.skip(8 + size);
      return null;
    }
    return this.resync(src.offset, `no frame starts here (magic 0x${magic.toString(16).padStart(8, '0')})`);
  }

  /** A data frame: bytes in hand, chain checked, decompressed. On damage, resynchronises from the next byte. */
  private async dataFrame(): Promise<RawFrame | null | undefined> {
    const src = this.src;
    const at = src.offset;
    if (!(await this.ensure(DATA_PREFIX_LEN))) {
      this.issue({ kind: 'truncated', offset: at, skipped: src.drain(), message: 'file ends inside a frame prefix' });
      return undefined;
    }
    const p = decodeDataPrefix(src.peek(DATA_PREFIX_LEN), 0);
    if (p === null) return this.resync(at, 'malformed frame prefix');
    const lim = this.limits;
    if (p.compressedLen > lim.frameCompressed || p.uncompressedLen > lim.frameUncompressed) {
      return this.resync(at, `frame ${p.index} claims ${p.compressedLen} compressed / ${p.uncompressedLen} uncompressed bytes, over the limit of ${lim.frameCompressed} / ${lim.frameUncompressed}`, p.index);
    }
    if (!(await this.ensure(DATA_PREFIX_LEN + p.compressedLen))) {
      // A damaged length also runs past the end: if another frame follows, it was damage.
      if (src.indexOf(RESYNC_SIGNATURE, 1) > 0 || src.indexOf(END_SIGNATURE, 1) > 0) {
        return this.resync(at, `frame ${p.index} claims ${p.compressedLen} bytes, more than the file holds before the next frame`, p.index);
      }
      this.issue({ kind: 'truncated', offset: at, frame: p.index, skipped: src.drain(), message: `file ends inside frame ${p.index}` });
      return undefined;
    }
    const pre = this.prefetch !== null ? await this.prefetch.take(at, p) : undefined;
    // Peek, not take: a frame that fails is searched for the next prefix from its second byte.
    const z = src.peek(DATA_PREFIX_LEN + p.compressedLen).subarray(DATA_PREFIX_LEN);
    const fields = prefixFields(p);
    if (this.verify) {
      const c = pre !== undefined && pre.prev.equals(this.chain) ? pre.chain : chainNext(this.chain, fields, z);
      if (!c.equals(p.chain) && this.chainTrusted && this.firstMismatch === null) {
        this.firstMismatch = p.index;
        this.issue({ kind: 'chain-mismatch', offset: at, frame: p.index, message: `frame ${p.index} does not match the SHA-256 chain` });
      }
    }
    if (this.skim && this.lastFrame >= 0) {
      // Framing only: the chain is checked; the frame is kept undecoded in case it is the last one
      // (not when a data frame follows it: then its bytes are not copied at all).
      const whole = DATA_PREFIX_LEN + p.compressedLen;
      const followed = (await this.ensure(whole + 4)) && src.peek(whole + 4).readUInt32LE(whole) === SKIPPABLE_MAGIC_DATA;
      this.accept(p, at);
      this.release();
      this.held = { p, at, z: followed ? null : copyOf(src.peek(whole).subarray(DATA_PREFIX_LEN)) };
      src.skip(whole);
      if (followed) this.release(); // not the last: counted from its prefix now
      return null;
    }
    if (this.skipFrame !== undefined && this.lastFrame >= 0 && this.skipFrame(p, at)) {
      src.skip(DATA_PREFIX_LEN + p.compressedLen);
      this.accept(p, at);
      this.recordCount += p.records;
      this.uncompressedBytes += p.uncompressedLen;
      this.passedFrames++;
      return null;
    }
    if (pre !== undefined) {
      src.skip(DATA_PREFIX_LEN + p.compressedLen);
      this.accept(p, at);
      this.decompressedFrames++;
      this.workerFrames++;
      return this.rawFrame(p, at, pre.n, pre);
    }
    let n: number;
    try {
      n = this.inflate(p.uncompressedLen, z);
    } catch (e) {
      // Its prefix may still be sound (a byte lost inside the frame): the next frame is judged against it.
      this.chain = p.chain;
      const r = await this.resync(at, `frame ${p.index} does not decompress (${(e as Error).message})`, p.index, 'corrupt-frame');
      this.chainTrusted = false;
      return r;
    }
    src.skip(DATA_PREFIX_LEN + p.compressedLen);
    this.accept(p, at);
    return this.rawFrame(p, at, n);
  }

  /** Decompresses into a new buffer of the length the prefix claims (bounded by the limits): records
   * keep references into their frame's bytes, so the frame is not copied again. In read() with a
   * decoder that copies what it hands out, one buffer is reused (fresh ones cost page faults and GC).
   * Returns the length. */
  private inflate(uncompressedLen: number, z: Uint8Array): number {
    const want = Math.max(uncompressedLen, 1);
    if (!this.reuse || this.out.length < want) this.out = Buffer.allocUnsafe(this.reuse ? Math.max(want, 1 << 20) : want);
    this.decompressedFrames++;
    return this.inflater.decompress(this.out.subarray(0, want), z);
  }

  /** A frame was read whole: its index and chain become the reference for the next one. */
  private accept(p: DataPrefix, at: number): void {
    const expected = this.lastFrame + 1;
    const explained = this.issues.some((i) => i.frame === p.index || (p.index === expected + 1 && i.frame === expected));
    if (p.index !== expected && !explained) {
      this.issue({ kind: 'frame-gap', offset: at, frame: p.index, message: `expected frame ${expected}, found frame ${p.index}` });
    }
    this.chain = p.chain; // later frames are judged against what this one claims
    this.chainTrusted = true;
    this.lastFrame = p.index;
    if (p.records > this.limits.frameRecords) {
      this.issue({ kind: 'bad-record', offset: at, frame: p.index, message: `frame ${p.index} claims ${p.records} records, over the limit of ${this.limits.frameRecords}` });
    }
    this.frameCount++;
  }

  /** The frame decompressed into this.out, or by a worker (`pre`). */
  private rawFrame(p: DataPrefix, at: number, n: number, pre?: Prefetched): RawFrame {
    if (n !== p.uncompressedLen) {
      this.issue({ kind: 'corrupt-frame', offset: at, frame: p.index, message: `frame ${p.index} decompressed to ${n} bytes, its prefix says ${p.uncompressedLen}` });
    }
    this.uncompressedBytes += n;
    // Only [0, n) was written (allocUnsafe): the rest is never read, and a frame that claimed more
    // than it holds is copied out, so its records do not pin the claimed size.
    const out = pre?.raw ?? this.out;
    const raw = this.reuse || n === out.length ? out.subarray(0, n) : Buffer.from(Uint8Array.prototype.slice.call(out, 0, n).buffer);
    return { at, index: p.index, compressedLen: p.compressedLen, records: p.records, raw, pooled: pre !== undefined };
  }

  /** Skim: the held frame was not the last; its records are counted from its prefix. */
  private release(): void {
    const h = this.held;
    if (h === null) return;
    this.held = null;
    this.recordCount += h.p.records;
    this.skimmedFrames++;
    this.uncompressedBytes += h.p.uncompressedLen;
  }

  /** Skim: the held frame is the last before the end: decode it (it holds the trailer). */
  private unhold(): RawFrame | null {
    const h = this.held!;
    this.held = null;
    try {
      return this.rawFrame(h.p, h.at, this.inflate(h.p.uncompressedLen, h.z!));
    } catch (e) {
      this.issue({ kind: 'corrupt-frame', offset: h.at, frame: h.p.index, skipped: h.p.compressedLen, message: `frame ${h.p.index} does not decompress (${(e as Error).message})` });
      return null;
    }
  }

  /** The frame's records, in batches of at most `batch`. */
  private *decodeFrame(f: RawFrame, sink?: RecordSink): Generator<Frame> {
    const before = this.recordCount;
    const it = frameRecords(f.raw, {
      maxRecord: this.limits.record, maxRecords: this.limits.frameRecords, batch: this.batch,
      at: f.at, frame: f.index, firstRecord: before, issue: (i) => this.issue(i), decoder: this.decoder, sink,
    });
    let batch = it.next();
    while (!batch.done) {
      const records = batch.value;
      const firstRecord = this.recordCount;
      for (const rec of records) this.observe(rec, f);
      this.recordCount += records.length;
      const next = it.next();
      yield { index: f.index, offset: f.at, compressedLen: f.compressedLen, uncompressedLen: f.raw.length, firstRecord, records, more: !next.done };
      batch = next;
    }
    const { records: decoded, skippedRecords, badRecords } = batch.value;
    if (sink) this.recordCount += decoded;
    this.recordCount += skippedRecords;
    this.skippedRecords += skippedRecords;
    const records = decoded + skippedRecords;
    if (records === 0 && badRecords === 0) {
      this.issue({ kind: 'bad-record', offset: f.at, frame: f.index, message: `frame ${f.index} holds no record (${f.raw.length} bytes)` });
    } else if (records + badRecords !== f.records && badRecords === 0) {
      this.issue({ kind: 'bad-record', offset: f.at, frame: f.index, message: `frame ${f.index} holds ${records} records, its prefix says ${f.records}` });
    }
  }

  /** Header and trailer are kept; a header naming another format than the magic is damage. */
  private observe(rec: CaptureRecord, f: RawFrame): void {
    if (rec.header && this.header === null) {
      this.header = rec.header;
      const major = rec.header.formatMajor ?? 0;
      if (major !== this.formatMajor) {
        this.issue({ kind: 'bad-version', offset: f.at, frame: f.index, message: `the header record names format ${major}.${rec.header.formatMinor ?? 0}, the magic ${this.formatMajor}.${this.formatMinor}` });
      }
    }
    if (rec.trailer) this.trailer = rec.trailer;
  }

  /** Scans forward from the byte after `at` for the next frame prefix or end marker. */
  private async resync(at: number, why: string, frame?: number, kind: 'garbage' | 'corrupt-frame' = 'garbage'): Promise<null | undefined> {
    const src = this.src;
    this.chainTrusted = false;
    const blame = frame === undefined ? {} : { frame };
    let skipped = 1;
    src.skip(1);
    for (;;) {
      const i = this.nextSignature();
      if (i >= 0) {
        src.skip(i);
        skipped += i;
        this.issue({ kind, offset: at, ...blame, skipped, message: `${why}; resumed at byte ${src.offset}` });
        return null;
      }
      const keep = RESYNC_SIGNATURE.length - 1;
      const drop = Math.max(0, src.available - keep);
      src.skip(drop);
      skipped += drop;
      const more = skipped <= this.limits.resyncScan && (await this.ensure(src.available + 65536));
      if (!more && this.nextSignature() < 0) {
        skipped += src.drain();
        this.issue({ kind, offset: at, ...blame, skipped, message: `${why}; no further frame found` });
        return undefined;
      }
    }
  }

  private nextSignature(): number {
    const d = this.src.indexOf(RESYNC_SIGNATURE);
    const e = this.src.indexOf(END_SIGNATURE);
    return d < 0 ? e : e < 0 ? d : Math.min(d, e);
  }

  private async ensure(n: number): Promise<boolean> {
    try { return await this.src.ensure(n); } catch (e) { throw this.ioError(e); }
  }

  private ioError(e: unknown): CaptureError {
    return new CaptureError(this.file, this.src.offset, 'io', (e as Error).message);
  }

  private issue(i: CaptureIssue): void { this.issues.push(i); }
}

function copyOf(u: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(u.length);
  b.set(u);
  return b;
}

/** Every record of a capture, in order (a convenience over CaptureReader). */
export async function* readCapture(source: string | AsyncIterable<Uint8Array>, opts: ReaderOptions = {}): AsyncGenerator<CaptureRecord> {
  yield* new CaptureReader(source, opts).records();
}
