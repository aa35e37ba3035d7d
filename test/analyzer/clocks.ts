// Clocks and capture offsets that test export's time columns (schema/epoch.ts) against HostClock:
// second edges, before the epoch, offsets past 2^53 or not integers, a year past 9999, no header,
// a carry from the low 32 bits of ns, and a capture that crosses Paris' move to summer time.
import { HostClock } from '../../analyzer/schema/clock.js';

const DST = 1_774_745_000; // 2026-03-29, shortly before 01:00 UTC
export const CLOCKS = [
  new HostClock({ hostname: 'h', bootId: 'b', startWallSec: 1_700_000_000, startWallNsec: 999_999_990, timezone: 'Europe/Paris' }),
  new HostClock({ hostname: 'h', bootId: 'b', startWallSec: DST, startWallNsec: 5, timezone: 'Europe/Paris' }),
  new HostClock({ hostname: 'h', bootId: 'b', startWallSec: 0, startWallNsec: 0, utcOffsetSec: -3600 }),
  new HostClock({ hostname: 'h', bootId: 'b', startWallSec: 300_000_000_000, timezone: 'UTC' }),
  new HostClock(null),
  new HostClock({ hostname: 'h', bootId: 'b', startWallSec: 1_795_300_006, timezone: 'UTC' }), // its second's low word + 220M ns carries
];
export const OFFSETS = [0, 1, 9, 10, 11, 999_999_999, 1e9, 1e9 + 1, 5e9, 3_600e9 - 1, 3_600e9, 7_200e9 + 17, 2 ** 53 - 1, 2 ** 53 + 2, 1.5, -3];
