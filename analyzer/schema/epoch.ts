// An event's time (ts_ns and time) from its capture offset without BigInt per record: the pieces
// of the current second (its digits, its clock text, its 64-bit words) are taken once from
// HostClock, and a record within that second adds its nanoseconds to them. Anything the cache
// cannot do exactly (an offset past 2^53, a time at or before the epoch, out of the calendar's
// range) answers -1, and the caller takes HostClock's own path.
import type { HostClock } from './clock.js';
import type { FieldSpec } from './fields.js';

const NS = 1_000_000_000n;

export class EpochSecond {
  /** Offsets [lo, hi) of the cached second. */
  private lo = 0;
  private hi = 0;
  /** Decimal digits of the second since the epoch (ts_ns without its last nine digits). */
  digits = '';
  /** Clock text up to the fraction ("2026-11-23T17:26:39."), and its zone ("+01:00"), as bytes. */
  prefix: Uint8Array = new Uint8Array(0);
  zone: Uint8Array = new Uint8Array(0);
  /** The second's ns since the epoch as little-endian 32-bit halves (the low one unsigned). */
  wordLo = 0;
  wordHi = 0;
  constructor(readonly clock: HostClock) {}

  /** ns into the cached second of offset ts, after moving the cache there; -1 when not exact. */
  at(ts: number): number {
    if (ts >= this.lo && ts < this.hi) return ts - this.lo;
    if (!Number.isSafeInteger(ts) || ts < 0) return -1;
    const ns = this.clock.epochNs(ts);
    if (ns < NS) return -1;
    const frac = Number(ns % NS);
    const text = this.clock.text(ns - BigInt(frac));
    if (text === null) return -1;
    this.lo = ts - frac;
    this.hi = this.lo + 1e9;
    this.digits = String(ns / NS);
    this.prefix = Buffer.from(text.slice(0, 20), 'latin1');
    this.zone = Buffer.from(text.slice(29), 'latin1');
    const second = ns - BigInt(frac);
    this.wordLo = Number(second & 0xffffffffn);
    this.wordHi = Number(second >> 32n);
    return frac;
  }
}


/** e when it is clock's, else a new cache for clock (one per writer or column, not per record). */
export const epochOf = (e: EpochSecond | null, clock: HostClock): EpochSecond => (e !== null && e.clock === clock ? e : new EpochSecond(clock));

/** How export writes a column that reads the `ns` local: from r.ts, through an EpochSecond. */
export type TimeColumn = 'epoch' | 'text';
const TIME_EXPRS = new Map<string, TimeColumn>([['ns', 'epoch'], ['c.clock.text(ns)', 'text']]);
const NS_LOCAL = 'const ns = c.clock.epochNs(r.ts);';

/** Which columns are ts_ns and time by their expression, and the spec without its `ns` local (a
 * BigInt per record) when nothing else reads it. */
export function epochColumns(spec: FieldSpec): { spec: FieldSpec; time: readonly (TimeColumn | null)[] } {
  const time = spec.cols.map(([, [source, expr]]) => (source === 'val' ? TIME_EXPRS.get(expr) ?? null : null));
  const pre = spec.pre.replace(NS_LOCAL, '');
  const reads = (s: string): boolean => /\bns\b/.test(s);
  const keep = pre === spec.pre || reads(pre) || spec.cols.some(([, [, expr]], j) => time[j] === null && reads(expr));
  return { spec: keep ? spec : { ...spec, pre }, time };
}

/** v (< 10^9) as nine digits, zero-padded, at buf[p]; the position after them. */
export function writeNine(buf: Uint8Array, p: number, v: number): number {
  for (let i = p + 8; i >= p; i--) { const q = (v / 10) | 0; buf[i] = 0x30 + (v - q * 10); v = q; }
  return p + 9;
}

/** The clock text of the instant frac ns into e's second (what HostClock.text gives) at buf[p];
 * the position after it. */
export function writeTime(buf: Uint8Array, p: number, e: EpochSecond, frac: number): number {
  const { prefix, zone } = e;
  for (let i = 0; i < prefix.length; i++) buf[p++] = prefix[i]!;
  p = writeNine(buf, p, frac);
  for (let i = 0; i < zone.length; i++) buf[p++] = zone[i]!;
  return p;
}
