// Capture time (ns since Header.start_mono) ↔ the recorded host's wall clock and time zone.
import type { Header } from '../format/index.js';

export class CaptureClock {
  readonly startWallMs: number;
  private readonly fmtTime: Intl.DateTimeFormat;
  private readonly fmtDate: Intl.DateTimeFormat;
  readonly zone: string;

  constructor(h: Header | null) {
    this.startWallMs = h ? Number(h.startWallSec ?? 0) * 1000 + Number(h.startWallNsec ?? 0) / 1e6 : 0;
    let zone = h?.timezone || 'UTC';
    try { new Intl.DateTimeFormat('en-GB', { timeZone: zone }); } catch { zone = offsetZone(h?.utcOffsetSec ?? 0); }
    this.zone = zone;
    this.fmtTime = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    this.fmtDate = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
  }

  wallMs(ts: number): number { return this.startWallMs + ts / 1e6; }
  /** HH:MM:SS on the recorded host. */
  hms(ts: number): string { return this.fmtTime.format(new Date(this.wallMs(ts))); }
  /** ISO-8601 with milliseconds, UTC. */
  iso(ts: number): string { return new Date(this.wallMs(ts)).toISOString(); }
  date(ts: number): string { return this.fmtDate.format(new Date(this.wallMs(ts))); }

  /** Parses --since/--until: seconds since start ("90", "1.5", "2m"), a wall-clock time of day on
   * the recorded host ("14:03:07", on the capture's first day) or an ISO date. → ns offset. */
  parse(v: string): number {
    const s = v.trim();
    let m = /^\+?(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s);
    if (m) return Number(m[1]) * { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[(m[2] ?? 's') as 's'];
    m = /^(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?$/.exec(s);
    if (m) {
      const day = this.date(0);
      const guess = Date.parse(`${day}T${m[1]!.padStart(2, '0')}:${m[2]}:${(m[3] ?? '00').padStart(2, '0')}Z`);
      const off = this.offsetMs(guess);
      return (guess - off - this.startWallMs) * 1e6;
    }
    const t = Date.parse(s);
    if (!Number.isNaN(t)) return (t - this.startWallMs) * 1e6;
    throw new Error(`cannot read the time "${v}": give seconds since the start (90, 2m), HH:MM:SS or an ISO date`);
  }

  private offsetMs(at: number): number {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: this.zone, timeZoneName: 'longOffset' }).formatToParts(new Date(at));
    const z = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(z);
    return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60000 : 0;
  }
}

function offsetZone(sec: number): string {
  // Etc/GMT zones have inverted signs and whole hours only.
  const h = Math.round(sec / 3600);
  return h === 0 ? 'UTC' : `Etc/GMT${h > 0 ? '-' : '+'}${Math.abs(h)}`;
}

export function seconds(ns: number): string { return (ns / 1e9).toFixed(3); }
