// Byte surgery on captures made by the real writer: split a file into its frames, change what a
// frame holds, and put it back together with a valid SHA-256 chain (so only the change is damage).
import zstd from 'zstd-napi';
import {
  DATA_PREFIX_LEN, MAGIC_LEN, chainNext, chainSeed, decodeDataPrefix, encodeDataPrefix, encodeEnd,
  prefixFields, type DataPrefix,
} from '../../format/index.js';

export interface Piece { at: number; prefix: DataPrefix; z: Buffer }

/** The data frames of an undamaged capture, in order. */
export function piecesOf(bytes: Buffer): Piece[] {
  const out: Piece[] = [];
  let at = MAGIC_LEN;
  while (at + DATA_PREFIX_LEN <= bytes.length) {
    const prefix = decodeDataPrefix(bytes, at);
    if (prefix === null) break;
    const z = bytes.subarray(at + DATA_PREFIX_LEN, at + DATA_PREFIX_LEN + prefix.compressedLen);
    out.push({ at, prefix, z });
    at += DATA_PREFIX_LEN + prefix.compressedLen;
  }
  return out;
}

export const decompress = (z: Buffer): Buffer => zstd.decompress(z);
export const compress = (raw: Buffer): Buffer => zstd.compress(raw, { checksumFlag: true, contentSizeFlag: true });

/** Frames as (raw bytes, record count) → a capture with a valid chain, and an end marker unless `end` is false. */
export function assemble(magic: Buffer, frames: { raw: Buffer; records: number }[], end = true): Buffer {
  let chain = chainSeed();
  let records = 0;
  const parts = [magic.subarray(0, MAGIC_LEN)];
  frames.forEach((f, index) => {
    const z = compress(f.raw);
    const fields = { index, compressedLen: z.length, uncompressedLen: f.raw.length, records: f.records, flags: 0 };
    chain = chainNext(chain, prefixFields(fields), z);
    parts.push(encodeDataPrefix({ ...fields, chain }), z);
    records += f.records;
  });
  if (end) parts.push(encodeEnd({ frames: frames.length, records, chain }));
  return Buffer.concat(parts);
}

/** A capture's frames as raw bytes and record counts, ready to be changed and assembled again. */
export function rawFrames(bytes: Buffer): { raw: Buffer; records: number }[] {
  return piecesOf(bytes).map((p) => ({ raw: decompress(p.z), records: p.prefix.records }));
}

/** Offsets [start, end) of each `Capture.record` inside a raw frame. */
export function recordSpans(raw: Buffer): [number, number][] {
  const spans: [number, number][] = [];
  let i = 0;
  while (i < raw.length) {
    const start = i;
    i++; // tag 0x0a
    let len = 0;
    for (let shift = 0; ; shift += 7) { const c = raw[i++]!; len |= (c & 0x7f) << shift; if (c < 0x80) break; }
    i += len;
    spans.push([start, i]);
  }
  return spans;
}
