// A time index: each data frame's first and last record time, so that --since/--until pass over
// whole frames without decompressing them. It is computed on one pass over the capture and cached
// beside it (FILE.secidx) only when asked; the capture's format does not change. Each entry names
// its frame's offset, index and chain value: an entry that does not match the frame read is not
// used (the frame is then read), so a stale or foreign index costs speed, never records.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import type { BodyKind } from './proto.js';
import { BODY_BY_FIELD } from './lazy.js';
import { CaptureReader } from './reader.js';
import type { DataPrefix } from './framing.js';

export const INDEX_VERSION = 1;
/** An index file larger than this is refused (a capture of 2^32 frames would not need more). */
const MAX_INDEX_BYTES = 256 << 20;

export interface FrameSpan {
  index: number;
  /** Offset of the frame's prefix in the capture. */
  offset: number;
  /** The frame's chain value (hex): ties the entry to these exact bytes. */
  chain: string;
  minTs: number;
  maxTs: number;
  /** Never passed over: it holds records every reader needs whatever the window (header, trailer,
   * process snapshots, loss, malformed records, records without a time) or damage to report. */
  pinned: boolean;
}

export interface TimeIndex {
  version: number;
  /** Size of the capture the index was computed on. */
  size: number;
  frames: FrameSpan[];
}

/** Kinds that are not filtered by time, or that every view reports (loss, malformed). */
const PINNED: ReadonlySet<BodyKind | undefined> = new Set<BodyKind | undefined>(['header', 'trailer', 'process', 'lost', 'malformed', undefined]);

export const indexPathOf = (capture: string): string => `${capture}.secidx`;

/** One pass over the capture: every record's common fields (ts, body kind), no body decoded. */
export async function buildIndex(file: string): Promise<TimeIndex> {
  const fields = new Map(BODY_BY_FIELD.map((k) => [k, new Set<string>()]));
  for (const k of PINNED) if (k !== undefined) fields.delete(k);
  const prefixes = new Map<number, string>();
  const skipFrame = (p: DataPrefix): boolean => { prefixes.set(p.index, p.chain.toString('hex')); return false; };
  const reader = new CaptureReader(file, { plan: { kinds: null, fields }, skipFrame });
  const spans = new Map<number, FrameSpan>();
  for await (const f of reader.frames()) {
    let s = spans.get(f.index);
    if (s === undefined || s.offset !== f.offset) {
      s = { index: f.index, offset: f.offset, chain: prefixes.get(f.index) ?? '', minTs: Number.MAX_SAFE_INTEGER, maxTs: 0, pinned: false };
      spans.set(f.index, s);
    }
    for (const r of f.records) {
      const ts = Number(r.ts); // a record without ts reads the message's default, a Long
      if (ts < s.minTs) s.minTs = ts;
      if (ts > s.maxTs) s.maxTs = ts;
      if (PINNED.has(r.body) || !ts) s.pinned = true;
    }
  }
  for (const i of reader.issues) {
    if (i.frame === undefined) continue;
    const s = spans.get(i.frame);
    if (s) s.pinned = true;
  }
  const frames = [...spans.values()].filter((s) => s.chain !== '');
  return { version: INDEX_VERSION, size: reader.fileBytes, frames };
}

/** The cached index, if there is one for a capture of this size; null otherwise (or if unreadable). */
export function loadIndex(capture: string): TimeIndex | null {
  const path = indexPathOf(capture);
  let text: string;
  try {
    if (statSync(path).size > MAX_INDEX_BYTES) return null;
    text = readFileSync(path, 'utf8');
  } catch { return null; }
  let j: unknown;
  try { j = JSON.parse(text); } catch { return null; }
  return validIndex(j, statSync(capture).size);
}

/** Checks every field's type: the index file is input like the capture. */
export function validIndex(j: unknown, size: number): TimeIndex | null {
  if (typeof j !== 'object' || j === null) return null;
  const o = j as { [k: string]: unknown };
  if (o['version'] !== INDEX_VERSION || o['size'] !== size || !Array.isArray(o['frames'])) return null;
  const num = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  for (const s of o['frames'] as unknown[]) {
    const f = s as { [k: string]: unknown } | null;
    if (typeof f !== 'object' || f === null || !num(f['index']) || !num(f['offset']) || !num(f['minTs']) || !num(f['maxTs']) ||
        typeof f['chain'] !== 'string' || !/^[0-9a-f]{64}$/.test(f['chain']) || typeof f['pinned'] !== 'boolean') return null;
  }
  return j as TimeIndex;
}

export function saveIndex(capture: string, index: TimeIndex): string {
  const path = indexPathOf(capture);
  writeFileSync(path, JSON.stringify(index) + '\n', { mode: 0o644 });
  return path;
}

/** Looks a frame up by its offset; the entry counts only if index and chain match the prefix read. */
export class FrameLookup {
  private readonly byOffset = new Map<number, FrameSpan>();
  constructor(index: TimeIndex) { for (const s of index.frames) this.byOffset.set(s.offset, s); }
  span(p: DataPrefix, at: number): FrameSpan | undefined {
    const s = this.byOffset.get(at);
    return s !== undefined && s.index === p.index && s.chain === p.chain.toString('hex') ? s : undefined;
  }
}

/** True if no record of the frame can be in the window [since, until] (either end may be open). */
export function outside(s: FrameSpan, since: number | undefined, until: number | undefined): boolean {
  return !s.pinned && ((since !== undefined && s.maxTs < since) || (until !== undefined && s.minTs > until));
}

/** The cached index of a capture, computed and saved beside it first if it is missing or stale. */
export async function ensureIndex(capture: string, warn: (m: string) => void): Promise<TimeIndex> {
  const cached = loadIndex(capture);
  if (cached !== null) return cached;
  const index = await buildIndex(capture);
  try { warn(`wrote the time index ${saveIndex(capture, index)} (${index.frames.length} frames)`); }
  catch (e) { warn(`cannot write the time index beside ${capture}: ${(e as Error).message} (used for this run only)`); }
  return index;
}
