// The records inside one decompressed data frame: `Capture.record` (field 1, length-delimited),
// one after another. Every length is checked before it is used; a record that fails to decode is
// reported and passed over by its (sound) length, so one bad record never hides the rest.
import { pb, Reader, type CaptureRecord } from './proto.js';
import type { CaptureIssue } from './errors.js';
import { COUNTED, TOUCHED, type LazyDecoder, type RecordSink } from './lazy.js';

export interface FrameRecordsOptions {
  /** Largest record, in bytes. */
  maxRecord: number;
  /** Most records one frame may hold; the rest of the frame is reported and skipped. */
  maxRecords: number;
  /** Records per batch: memory holds one batch, whatever the frame's record count. */
  batch: number;
  /** Offset of the frame's prefix in the file, and its index, for issues. */
  at: number;
  frame: number;
  /** Index (over the capture) of the frame's first record. */
  firstRecord: number;
  issue(i: CaptureIssue): void;
  /** Skips unwanted kinds and fields; absent: protobufjs decodes every record whole. */
  decoder?: LazyDecoder | undefined;
  /** Records go to it at once, in order (nothing is yielded); the decoder's touch and counted kinds apply. */
  sink?: RecordSink | undefined;
}

/** Records yielded, records passed over undecoded (kinds not wanted), and records that failed. */
export interface FrameRecordsResult { records: number; skippedRecords: number; badRecords: number }

const TAG_RECORD = (1 << 3) | 2;

/** Decodes `raw` in batches; returns the count of records yielded and of records that failed. */
export function* frameRecords(raw: Uint8Array, o: FrameRecordsOptions): Generator<CaptureRecord[], FrameRecordsResult> {
  const r = Reader.create(raw);
  let batch: CaptureRecord[] = [];
  let records = 0;
  let bad = 0;
  let unknown = 0;
  let skippedRecords = 0;
  const lazy = o.decoder !== undefined && !o.decoder.everything ? o.decoder : null;
  const sink = o.sink ?? null;
  if (lazy !== null) lazy.sink = sink;
  const stop = (start: number, why: string): void => {
    bad++;
    o.issue({
      kind: 'bad-record', offset: o.at, frame: o.frame, record: o.firstRecord + records, skipped: raw.length - start,
      message: `frame ${o.frame}, byte ${start} of ${raw.length}: ${why}; the rest of the frame is skipped`,
    });
    r.pos = r.len;
  };
  const scan = lazy !== null && lazy.scanning;
  while (r.pos < r.len) {
    if (scan) {
      // plain records of a counting plan, counted or passed over with nothing made (lazy.ts)
      r.pos = lazy.scan(r, r.pos, o.maxRecords - (records + skippedRecords + bad + unknown), o.maxRecord);
      records += lazy.scanned;
      skippedRecords += lazy.scanSkipped;
      if (r.pos >= r.len) break;
    }
    const start = r.pos;
    if (records + skippedRecords + bad + unknown >= o.maxRecords) { stop(start, `more than ${o.maxRecords} records`); break; }
    let tag: number;
    let len: number;
    try {
      tag = r.uint32();
      if (tag >>> 3 === 0) { stop(start, `invalid field number 0 (tag ${tag})`); break; }
      if (tag !== TAG_RECORD) { r.skipType(tag & 7); unknown++; continue; } // a Capture field this reader does not know
      len = r.uint32();
    } catch (e) {
      stop(start, `unreadable field: ${(e as Error).message}`);
      break;
    }
    if (len > o.maxRecord || len > r.len - r.pos) {
      stop(start, `record length ${len} exceeds ${Math.min(o.maxRecord, r.len - r.pos)}`);
      break;
    }
    const end = r.pos + len;
    let rec: CaptureRecord | null = null;
    let why = '';
    try {
      if (lazy !== null) {
        const d = lazy.decode(r, r.pos, end);
        if (d === null) { r.pos = end; r.len = raw.length; skippedRecords++; continue; }
        if (d === TOUCHED || d === COUNTED) { r.pos = end; records++; continue; }
        rec = d;
      } else {
        rec = pb.Record.decode(r, len);
      }
      if (lazy === null && r.pos !== end) { why = `a field runs ${r.pos - end} bytes past the record's length ${len}`; rec = null; }
    } catch (e) {
      if (lazy !== null && lazy.inSink) { lazy.inSink = false; throw e; } // the sink's error, not the record's
      why = (e as Error).message;
    }
    r.pos = end;
    r.len = raw.length; // a throwing decode leaves the reader bounded to the record
    if (rec === null) {
      o.issue({
        kind: 'bad-record', offset: o.at, frame: o.frame, record: o.firstRecord + records, skipped: len,
        message: `record at byte ${start} of frame ${o.frame} does not decode (${why}); reading goes on after its ${len} bytes`,
      });
      bad++;
      continue;
    }
    records++;
    if (sink !== null) { sink.record(rec, 1); continue; }
    batch.push(rec);
    if (batch.length >= o.batch) { yield batch; batch = []; }
  }
  if (batch.length > 0) yield batch;
  return { records, skippedRecords, badRecords: bad };
}
