// Capture offsets (ns since Header.start_mono) → ns since the epoch, the recorded host's clock
// text, and boot-wide process identities (pid @ start on CLOCK_MONOTONIC).
import type { Header } from '../../format/index.js';

const NS = 1_000_000_000n;
/** Date's range (±8.64e15 ms), less a day for the zone offset. */
const MAX_SEC = 8_640_000_000_000n - 86_400n;

export class HostClock {
  readonly hostname: string;
  readonly bootId: string;
  private readonly wallNs: bigint;
  private readonly monoNs: bigint;
  private readonly zone: string;
  private readonly fixedOffsetSec: number;
  private readonly offsets = new Map<bigint, number>();
  private fmt: Intl.DateTimeFormat | null = null;
  private lastSec = -1n;
  private lastText = '';
  private lastZone = '';

  constructor(h: Header | null) {
    this.hostname = h?.hostname ?? '';
    this.bootId = h?.bootId ?? '';
    this.wallNs = BigInt(h?.startWallSec ?? 0) * NS + BigInt(h?.startWallNsec ?? 0);
    this.monoNs = BigInt(h?.startMonoSec ?? 0) * NS + BigInt(h?.startMonoNsec ?? 0);
    this.fixedOffsetSec = h?.utcOffsetSec ?? 0;
    let zone = h?.timezone || '';
    try { if (zone) new Intl.DateTimeFormat('en-US', { timeZone: zone }); } catch { zone = ''; }
    this.zone = zone;
  }

  /** ns since the Unix epoch of a capture offset. */
  epochNs(offset: number): bigint { return this.wallNs + BigInt(Math.trunc(offset)); }

  /** `pid@start`, start in ns of CLOCK_MONOTONIC: exact within a boot, with boot_id beside it. */
  processId(pid: number, start: number | null): string {
    return start === null ? `${pid}@?` : `${pid}@${this.monoNs + BigInt(Math.trunc(start))}`;
  }

  /** ISO 8601 with nanoseconds and the UTC offset the recorded host's zone had at that instant;
   * null outside the calendar's range (a forged header's start time). */
  text(epochNs: bigint): string | null {
    let sec = epochNs / NS;
    let frac = epochNs % NS;
    if (frac < 0n) { frac += NS; sec -= 1n; }
    if (sec > MAX_SEC || sec < -MAX_SEC) return null;
    if (sec !== this.lastSec) { // rows come in time order: the seconds part is shared
      const off = this.offsetSec(sec);
      const a = Math.abs(off);
      this.lastSec = sec;
      this.lastText = new Date((Number(sec) + off) * 1000).toISOString().slice(0, 19);
      this.lastZone = `${off < 0 ? '-' : '+'}${String(Math.floor(a / 3600)).padStart(2, '0')}:${String(Math.floor(a / 60) % 60).padStart(2, '0')}`;
    }
    const local = this.lastText;
    const zone = this.lastZone;
    return `${local}.${frac.toString().padStart(9, '0')}${zone}`;
  }

  /** The zone's UTC offset in seconds, cached per minute (offsets change on minute boundaries). */
  private offsetSec(sec: bigint): number {
    if (!this.zone) return this.fixedOffsetSec;
    const minute = sec / 60n;
    let off = this.offsets.get(minute);
    if (off !== undefined) return off;
    this.fmt ??= new Intl.DateTimeFormat('en-US', { timeZone: this.zone, timeZoneName: 'longOffset' });
    const z = this.fmt.formatToParts(new Date(Number(sec) * 1000)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(z);
    off = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60) : 0;
    if (this.offsets.size > 100_000) this.offsets.clear();
    this.offsets.set(minute, off);
    return off;
  }
}
