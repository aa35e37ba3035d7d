// The capture's clock, built defensively: the header is hostile input like every record. A time
// zone this machine cannot use falls back to the recorded UTC offset (then UTC), a start wall time
// that a Date cannot hold falls back to the monotonic offsets (shown from the epoch); each with a
// warning that names the file, and the views go on.
import type { Header } from '../../format/index.js';
import { CaptureClock } from '../time.js';
import { esc } from '../text.js';

/** Date holds ±8.64e15 ms; record ts (uint64 ns) adds at most 1.9e13 ms, so keep the start well inside. */
const MAX_START_MS = 8e15;
/** Etc/GMT±h exists for -14..+12 hours. */
const validOffset = (sec: number): boolean => Number.isFinite(sec) && sec >= -12 * 3600 && sec <= 14 * 3600;

/** Etc/GMT zones have inverted signs and whole hours only. */
function etcZone(sec: number): string {
  const h = Math.round(sec / 3600);
  return h === 0 ? 'UTC' : `Etc/GMT${h > 0 ? '-' : '+'}${Math.abs(h)}`;
}

function zoneOk(zone: string): boolean {
  try { new Intl.DateTimeFormat('en-GB', { timeZone: zone }).format(0); return true; } catch { return false; }
}

/** A CaptureClock that every view can use, whatever the header says. */
export function captureClock(h: Header | null, file: string, warn: (m: string) => void): CaptureClock {
  if (!h) return new CaptureClock(null);
  const fixed: Header = { ...h };
  const wallMs = Number(h.startWallSec ?? 0) * 1000 + Number(h.startWallNsec ?? 0) / 1e6;
  if (!Number.isFinite(wallMs) || Math.abs(wallMs) > MAX_START_MS) {
    warn(`${file}: the header's start wall time (${esc(String(h.startWallSec))} s) is out of range: times are shown as offsets from the capture start (from 1970-01-01T00:00:00Z)`);
    fixed.startWallSec = 0;
    fixed.startWallNsec = 0;
  }
  if (h.timezone && !zoneOk(h.timezone)) {
    const off = Number(h.utcOffsetSec ?? 0);
    const zone = validOffset(off) ? etcZone(off) : 'UTC';
    warn(`${file}: the header's time zone "${esc(h.timezone)}" is unknown here: using ${zone === 'UTC' ? 'UTC' : `its UTC offset (${zone})`}`);
    fixed.timezone = zone;
  }
  try {
    const c = new CaptureClock(fixed);
    c.iso(0); c.hms(0); c.date(0); // a clock that cannot show the start is no clock
    return c;
  } catch (e) {
    warn(`${file}: the header's clock is unusable (${esc((e as Error).message)}): times are offsets in UTC`);
    return new CaptureClock({ ...fixed, timezone: 'UTC', utcOffsetSec: 0, startWallSec: 0, startWallNsec: 0 });
  }
}
