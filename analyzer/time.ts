// Capture time (ns since Header.start_mono) ↔ the recorded host's wall clock and time zone.
// Zone rules (DST, offsets) come from luxon over the ICU database, never from hand arithmetic.
import { DateTime, FixedOffsetZone, IANAZone, type Zone } from 'luxon';
import type { Header } from '../format/index.js';
import { UsageError } from './errors.js';

/** Wall clocks a real capture can carry: 1990 … 2200 (anything else is damage or a lie). */
const WALL_MIN_SEC = 631_152_000;
const WALL_MAX_SEC = 7_258_118_400;

export interface ClockOptions { file?: string; warn?: (msg: string) => void }

/** A --since/--until value, resolved against the capture. */
export interface TimeBound { ns: number; note?: string }

export class CaptureClock {
  readonly startWallMs: number;
  readonly zone: string;
  private readonly z: Zone;
  private lastSec = NaN;
  private lastHms = '';

  constructor(h: Header | null, o: ClockOptions = {}) {
    const where = o.file ? `${o.file}: ` : '';
    const sec = Number(h?.startWallSec ?? 0);
    const nsec = Number(h?.startWallNsec ?? 0);
    if (h && (!Number.isFinite(sec) || sec < WALL_MIN_SEC || sec > WALL_MAX_SEC || !(nsec >= 0 && nsec < 1e9))) {
      o.warn?.(`${where}the header's start wall clock (${String(h.startWallSec)} s) is not plausible: wall times are shown as if the capture started at 1970-01-01 UTC; offsets are exact`);
      this.startWallMs = 0;
    } else {
      this.startWallMs = sec * 1000 + nsec / 1e6;
    }
    const name = h?.timezone || '';
    const off = Number(h?.utcOffsetSec ?? 0);
    const offMin = Number.isFinite(off) && Math.abs(off) <= 18 * 3600 ? Math.round(off / 60) : 0;
    if (name && IANAZone.isValidZone(name)) {
      this.z = IANAZone.create(name);
    } else {
      this.z = FixedOffsetZone.instance(offMin);
      if (name || (h && offMin !== 0)) {
        o.warn?.(`${where}${name ? `the header's time zone "${name.slice(0, 64).replace(/[^\x20-\x7e]/g, '?')}" is not a known zone` : 'the header names no time zone'}: times are shown at ${this.z.name} (the offset recorded at start), without DST changes`);
      }
    }
    this.zone = this.z.name;
  }

  wallMs(ts: number): number { return this.startWallMs + ts / 1e6; }
  private at(ts: number): DateTime { return DateTime.fromMillis(this.wallMs(ts), { zone: this.z }); }
  /** HH:MM:SS on the recorded host. */
  hms(ts: number): string {
    const s = Math.floor(this.wallMs(ts) / 1000);
    if (s !== this.lastSec) { this.lastSec = s; this.lastHms = DateTime.fromMillis(s * 1000, { zone: this.z }).toFormat('HH:mm:ss'); }
    return this.lastHms;
  }
  /** ISO-8601 with milliseconds, UTC. */
  iso(ts: number): string { return new Date(this.wallMs(ts)).toISOString(); }
  /** ISO-8601 with milliseconds and the recorded host's offset. */
  local(ts: number): string { return this.at(ts).toISO({ suppressMilliseconds: false }) ?? this.iso(ts); }
  date(ts: number): string { return this.at(ts).toISODate() ?? ''; }
  /** The host's UTC offset at ts, in minutes (charts shift UTC scales by it to show host time). */
  offsetMin(ts: number): number { return this.z.offset(this.wallMs(ts)); }

  /** Checks the form of a --since/--until value without a capture (usage errors come first). */
  static check(v: string, what: string): void {
    if (!SECONDS.test(v.trim()) && !TIME_OF_DAY.test(v.trim()) && !ISO.test(v.trim())) {
      throw new UsageError(`${what} "${v}": give seconds since the start (90, 1.5, 2m, 1h), a time of day on the recorded host (14:03:07) or an ISO date (2024-03-10T14:03:07-05:00)`);
    }
  }

  /** Resolves --since/--until → ns since the capture start. A time of day means the first time
   * the host's clock showed it at or after the capture start (so captures may cross midnight);
   * `until` without a fraction takes in that whole second, as the rows show whole seconds. */
  parse(v: string, role: 'since' | 'until' = 'since'): TimeBound {
    const s = v.trim();
    CaptureClock.check(s, `--${role}`);
    let m = SECONDS.exec(s);
    if (m) return { ns: Number(m[1]) * { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[(m[2] ?? 's') as 's'] };
    const whole = role === 'until' && !/\.\d/.test(s) ? 1e9 - 1 : 0;
    m = TIME_OF_DAY.exec(s);
    if (m) {
      const [H, M, S] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
      if (H > 23 || M > 59 || S >= 60) throw new UsageError(`--${role} ${s}: not a time of day`);
      const start = this.at(0);
      for (let d = 0; d < 3; d++) {
        const day = start.startOf('day').plus({ days: d });
        const want = { year: day.year, month: day.month, day: day.day, hour: H, minute: M, second: Math.floor(S), millisecond: Math.round((S % 1) * 1000) };
        const t = DateTime.fromObject(want, { zone: this.z });
        if (t.hour !== H || t.minute !== M) {
          if (t.toMillis() < start.toMillis()) continue;
          throw new UsageError(`--${role} ${s}: that time does not exist on ${day.toISODate()} in ${this.zone} (the clocks jumped forward); give an ISO date with its offset`);
        }
        // A time of day the fall-back hour shows twice: the other reading is an hour away.
        const same = (c: DateTime) => c.day === t.day && c.hour === H && c.minute === M && c.second === t.second && c.millisecond === t.millisecond;
        const cands = [t.minus({ hours: 1 }), t, t.plus({ hours: 1 })].filter(same)
          .filter((c, i, a) => a.findIndex((x) => x.toMillis() === c.toMillis()) === i && c.toMillis() + whole / 1e6 >= start.toMillis());
        if (!cands.length) continue;
        const pick = role === 'since' ? cands[0]! : cands[cands.length - 1]!;
        const note = cands.length > 1
          ? `--${role} ${s} is ambiguous in ${this.zone} on ${day.toISODate()} (the clocks went back): took ${pick.toISO()}, the ${role === 'since' ? 'earlier' : 'later'} one, for the wider window; the other is ${cands.find((c) => c !== pick)!.toISO()}`
          : d > 0 ? `--${role} ${s} is taken on ${day.toISODate()}, ${d === 1 ? 'the day' : `${d} days`} after the capture started` : undefined;
        return { ns: (pick.toMillis() - this.startWallMs) * 1e6 + whole, ...(note ? { note } : {}) };
      }
      throw new UsageError(`--${role} ${s}: no such time of day near the capture start`);
    }
    const t = DateTime.fromISO(s, { zone: this.z, setZone: true });
    if (!t.isValid) throw new UsageError(`--${role} ${s}: ${t.invalidExplanation ?? 'not a date'}`);
    const hasFraction = /T?\d{2}:\d{2}:\d{2}\.\d/.test(s);
    return { ns: (t.toMillis() - this.startWallMs) * 1e6 + (role === 'until' && !hasFraction && /\d{2}:\d{2}:\d{2}/.test(s) ? 1e9 - 1 : 0) };
  }
}

const SECONDS = /^\+?(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const TIME_OF_DAY = /^(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d{1,9})?))?$/;
const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/;

export function seconds(ns: number): string { return (ns / 1e9).toFixed(3); }
