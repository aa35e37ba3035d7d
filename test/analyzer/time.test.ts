// --since/--until on the recorded host's clock: DST gaps and overlaps, captures across midnight,
// and headers with a bad zone or wall clock. Captures are built with the writer; outputs are golden.
import { describe, it, expect } from 'vitest';
import { HEADER, writeCapture } from '../helpers.js';
import { cli } from './run-cli.js';
import { CaptureClock } from '../../analyzer/time.js';
import type { Header, RecordInit } from '../../format/index.js';

const b = (s: string) => Buffer.from(s);
const golden = (name: string) => `../golden/${name}.txt`;

/** One exec per entry, at the given UTC instant; the command name says which. */
function execsAt(startIso: string, zone: string, offsetSec: number, rows: [string, string][]) {
  const start = Date.parse(startIso) / 1000;
  const header: Header = { ...HEADER, timezone: zone, utcOffsetSec: offsetSec, startWallSec: start, startWallNsec: 0 };
  const recs: RecordInit[] = rows.map(([iso, name], i) => ({
    ts: (Date.parse(iso) / 1000 - start) * 1e9, pid: 100 + i, ppid: 1, comm: b(name), exec: { filename: b(`/bin/${name}`), argv: [b(name)] },
  }));
  return writeCapture(recs, { header }).path;
}

// America/New_York, 2024-03-10: 02:00 EST does not exist (→ 03:00 EDT = 07:00Z).
const spring = () => execsAt('2024-03-10T06:59:00Z', 'America/New_York', -5 * 3600, [
  ['2024-03-10T06:59:30Z', 'est0159'], ['2024-03-10T07:00:00Z', 'edt0300'], ['2024-03-10T07:00:00.500Z', 'edt0300half'], ['2024-03-10T07:01:00Z', 'edt0301'],
]);
// 2024-11-03: 01:00–02:00 is shown twice (EDT, then EST).
const fall = () => execsAt('2024-11-03T04:59:00Z', 'America/New_York', -4 * 3600, [
  ['2024-11-03T05:30:00Z', 'edt0130'], ['2024-11-03T06:30:00Z', 'est0130'], ['2024-11-03T07:10:00Z', 'est0210'],
]);
// Europe/Berlin, across midnight: 23:50 → 00:10 local.
const midnight = () => execsAt('2024-06-01T21:50:00Z', 'Europe/Berlin', 7200, [
  ['2024-06-01T21:55:00Z', 'before'], ['2024-06-01T22:00:00Z', 'atmidnight'], ['2024-06-01T22:05:00Z', 'after'],
]);

describe('time windows on the recorded host clock', () => {
  it('spring forward: 03:00:00 keeps the rows stamped 03:00:00; 02:00:00 does not exist', async () => {
    const f = spring();
    const r = cli(['execs', f, '-T', '--since', '03:00:00']);
    expect(r.code).toBe(0);
    await expect(r.stdout).toMatchFileSnapshot(golden('time-spring-since-0300'));
    expect(r.stdout).toContain('edt0300 ');
    expect(r.stdout).not.toContain('est0159');
    for (const t of ['02:00:00', '02:30']) {
      const bad = cli(['execs', f, '--since', t]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/does not exist on 2024-03-10 in America\/New_York/);
    }
    const until = cli(['execs', f, '-T', '--until', '03:00:00']);
    expect(until.stdout.split('\n').filter((l) => / edt0300/.test(l) || /^\S+\s+edt0300/.test(l)).length).toBeGreaterThan(0);
    expect(until.stdout).toContain('edt0300half'); // --until HH:MM:SS takes in that whole second
    expect(until.stdout).not.toContain('edt0301');
  });

  it('fall back: an ambiguous time is said, and the wider reading taken', async () => {
    const f = fall();
    const since = cli(['execs', f, '-T', '--since', '01:30:00']);
    expect(since.stderr).toMatch(/ambiguous in America\/New_York on 2024-11-03/);
    expect(since.stdout).toContain('edt0130');
    expect(since.stdout).toContain('est0130');
    const both = cli(['execs', f, '-T', '--since', '01:30:00', '--until', '01:30:00']);
    await expect(both.stdout).toMatchFileSnapshot(golden('time-fall-0130'));
    expect(both.stdout).not.toContain('est0210');
    const iso = cli(['execs', f, '-T', '--since', '2024-11-03T01:30:00-05:00']);
    expect(iso.stdout).not.toContain('edt0130');
    expect(iso.stdout).toContain('est0130');
    expect(iso.stderr).not.toMatch(/ambiguous/);
  });

  it('a capture across midnight: 00:00:00 is the next day, and says so', async () => {
    const f = midnight();
    const until = cli(['execs', f, '-T', '--until', '00:00:00']);
    await expect(until.stdout).toMatchFileSnapshot(golden('time-midnight-until-0000'));
    expect(until.stdout).toContain('before');
    expect(until.stdout).toContain('atmidnight');
    expect(until.stdout).not.toContain('after');
    expect(until.stderr).toMatch(/taken on 2024-06-02, the day after/);
    const since = cli(['execs', f, '-T', '--since', '23:58']);
    expect(since.stdout).not.toContain('before');
    expect(since.stdout).toContain('after');
  });

  it('an inverted window or a window outside the capture is said', () => {
    const f = midnight();
    const inv = cli(['execs', f, '--since', '00:05', '--until', '23:55']);
    expect(inv.code).toBe(2);
    expect(inv.stderr).toMatch(/the window is empty: --since 00:05 .* is after --until 23:55/);
    const out = cli(['execs', f, '--since', '2h']);
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/no record in the window .*; the capture covers 2024-06-01T23:50:00\.000\+02:00/);
  });

  it('a header with an unknown zone or an absurd wall clock: falls back, warns with the file name, goes on', () => {
    const warnings: string[] = [];
    const c = new CaptureClock({ ...HEADER, timezone: 'Mars/Olympus_Mons', utcOffsetSec: 5.5 * 3600 }, { file: 'x.cap', warn: (m) => warnings.push(m) });
    expect(warnings[0]).toMatch(/^x\.cap: the header's time zone "Mars\/Olympus_Mons" is not a known zone: times are shown at UTC\+5:30/);
    expect(c.hms(0)).toBe('03:43:20'); // 1_700_000_000 = 22:13:20Z
    const w2: string[] = [];
    const d = new CaptureClock({ ...HEADER, startWallSec: 99_999_999_999_999 }, { file: 'y.cap', warn: (m) => w2.push(m) });
    expect(w2[0]).toMatch(/^y\.cap: the header's start wall clock .* is not plausible/);
    expect(d.iso(1e9)).toBe('1970-01-01T00:00:01.000Z');
    const f = writeCapture([{ ts: 1e9, pid: 5, comm: b('x'), exec: { filename: b('/bin/x'), argv: [b('x')] } }], { header: { ...HEADER, timezone: 'Bogus/Zone\x1b[2J' } }).path;
    const r = cli(['execs', f, '-T']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/test\.cap: the header's time zone "Bogus\/Zone\?\[2J" is not a known zone/);
    expect(r.stdout).toContain('22:13:21');
  });

  it('checks the form of a time before reading', () => {
    expect(() => CaptureClock.check('tomorrow', '--since')).toThrow(/give seconds since the start/);
    expect(() => CaptureClock.check('25:00', '--since')).not.toThrow(); // form ok; the value is refused on parse
    const c = new CaptureClock(HEADER);
    expect(() => c.parse('25:00')).toThrow(/not a time of day/);
    expect(c.parse('90').ns).toBe(90e9);
    expect(c.parse('1.5m').ns).toBe(90e9);
  });
});
