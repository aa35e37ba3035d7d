// The container: zstd skippable frames describe and chain the zstd data frames.
//
//   file   := Magic  (DataPrefix ZstdFrame)*  End?
//   Magic      skippable 0x184D2A50, 12 bytes: "SECRCAP1" u16 major u16 minor
//   DataPrefix skippable 0x184D2A51, 56 bytes: "SECF" u32 index u32 compressedLen
//              u32 uncompressedLen u32 records u32 flags  u8[32] chain
//   End        skippable 0x184D2A52, 48 bytes: "SECE" u32 frames u64 records u8[32] chain
//
// chain(-1) = SHA-256("secrec chain v1");
// chain(i)  = SHA-256(chain(i-1) || the prefix's five u32 fields (index .. flags) || frame i).
// `zstd -dc` skips skippable frames, so it decompresses the whole file to the protobuf stream.
import { createHash } from 'node:crypto';

export const SKIPPABLE_MAGIC_MAGIC = 0x184d2a50;
export const SKIPPABLE_MAGIC_DATA = 0x184d2a51;
export const SKIPPABLE_MAGIC_END = 0x184d2a52;
export const FILE_TAG = 'SECRCAP1';
export const MAGIC_LEN = 8 + 12;
export const DATA_PREFIX_LEN = 8 + 56;
export const END_LEN = 8 + 48;

/** Bounds that hostile input cannot push past. */
export const LIMITS = {
  frameCompressed: 64 << 20,
  frameUncompressed: 64 << 20,
  record: 16 << 20,
  /** Records (and unknown fields) in one frame: a 1 MiB frame of the smallest real records holds
   * ~100k; a hostile 64 MiB frame could otherwise hold 30M. */
  frameRecords: 1 << 20,
  /** How far the reader scans for the next frame after damage before giving up. */
  resyncScan: 256 << 20,
};

export function chainSeed(): Buffer {
  return createHash('sha256').update('secrec chain v1').digest();
}

/** The prefix fields the chain covers, as written: index, lengths, record count, flags. */
export function prefixFields(p: Omit<DataPrefix, 'chain'>): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt32LE(p.index, 0);
  b.writeUInt32LE(p.compressedLen, 4);
  b.writeUInt32LE(p.uncompressedLen, 8);
  b.writeUInt32LE(p.records, 12);
  b.writeUInt32LE(p.flags, 16);
  return b;
}

export function chainNext(prev: Uint8Array, fields: Uint8Array, frame: Uint8Array): Buffer {
  return createHash('sha256').update(prev).update(fields).update(frame).digest();
}

export function encodeMagic(major: number, minor: number): Buffer {
  const b = Buffer.alloc(MAGIC_LEN);
  b.writeUInt32LE(SKIPPABLE_MAGIC_MAGIC, 0);
  b.writeUInt32LE(12, 4);
  b.write(FILE_TAG, 8, 'latin1');
  b.writeUInt16LE(major, 16);
  b.writeUInt16LE(minor, 18);
  return b;
}

export interface DataPrefix {
  index: number;
  compressedLen: number;
  uncompressedLen: number;
  records: number;
  flags: number;
  chain: Buffer;
}

export function encodeDataPrefix(p: DataPrefix): Buffer {
  const b = Buffer.alloc(DATA_PREFIX_LEN);
  b.writeUInt32LE(SKIPPABLE_MAGIC_DATA, 0);
  b.writeUInt32LE(56, 4);
  b.write('SECF', 8, 'latin1');
  b.writeUInt32LE(p.index, 12);
  b.writeUInt32LE(p.compressedLen, 16);
  b.writeUInt32LE(p.uncompressedLen, 20);
  b.writeUInt32LE(p.records, 24);
  b.writeUInt32LE(p.flags, 28);
  p.chain.copy(b, 32);
  return b;
}

export function decodeDataPrefix(b: Uint8Array, at: number): DataPrefix | null {
  const v = Buffer.from(b.buffer, b.byteOffset + at, DATA_PREFIX_LEN);
  if (v.readUInt32LE(0) !== SKIPPABLE_MAGIC_DATA || v.readUInt32LE(4) !== 56) return null;
  if (v.toString('latin1', 8, 12) !== 'SECF') return null;
  return {
    index: v.readUInt32LE(12),
    compressedLen: v.readUInt32LE(16),
    uncompressedLen: v.readUInt32LE(20),
    records: v.readUInt32LE(24),
    flags: v.readUInt32LE(28),
    chain: Buffer.from(v.subarray(32, 64)),
  };
}

export interface EndMarker { frames: number; records: number; chain: Buffer }

export function encodeEnd(e: EndMarker): Buffer {
  const b = Buffer.alloc(END_LEN);
  b.writeUInt32LE(SKIPPABLE_MAGIC_END, 0);
  b.writeUInt32LE(48, 4);
  b.write('SECE', 8, 'latin1');
  b.writeUInt32LE(e.frames, 12);
  b.writeBigUInt64LE(BigInt(e.records), 16);
  e.chain.copy(b, 24);
  return b;
}

export function decodeEnd(b: Uint8Array, at: number): EndMarker | null {
  const v = Buffer.from(b.buffer, b.byteOffset + at, END_LEN);
  if (v.readUInt32LE(0) !== SKIPPABLE_MAGIC_END || v.readUInt32LE(4) !== 48) return null;
  if (v.toString('latin1', 8, 12) !== 'SECE') return null;
  return { frames: v.readUInt32LE(12), records: Number(v.readBigUInt64LE(16)), chain: Buffer.from(v.subarray(24, 56)) };
}

/** Is this a zstd skippable-frame magic (0x184D2A50..5F)? */
export function isSkippable(magic: number): boolean {
  return (magic & 0xfffffff0) >>> 0 === 0x184d2a50;
}
