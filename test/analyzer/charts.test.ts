// Charts count what their views list, and the HTML page opens offline in real headless Chromium
// (Debian's chromium, driven by playwright-core) with its marks drawn and no console error. One
// PNG per chart kind is written to $TMPDIR/secanalyze-charts/ for a person to look at.
import { describe, it, expect } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEADER, tmp, writeCapture } from '../helpers.js';
import { cli } from './run-cli.js';
import { CHART_KINDS } from '../../analyzer/charts.js';
import type { RecordInit } from '../../format/index.js';

const FIX = 'fixtures/incident.cap';
const CHROMIUM = '/usr/bin/chromium';
const b = (s: string) => Buffer.from(s);

function spec(args: string[]) {
  const out = join(tmp(), 'c.vl.json');
  const r = cli(['chart', ...args, '-o', out]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(readFileSync(out, 'utf8')) as { data: { values: Record<string, number | string>[] }; title: { text: string } };
}
const sum = (rows: Record<string, number | string>[], f: string) => rows.reduce((n, r) => n + Number(r[f]), 0);

describe('chart data comes from the views', () => {
  it('the execs chart counts the rows execs lists (-x: failed ones too)', () => {
    const listed = cli(['execs', FIX, '--json']).stdout.trim().split('\n').length;
    const all = cli(['execs', FIX, '-x', '--json']).stdout.trim().split('\n').length;
    expect(listed).toBeLessThan(all);
    const s = spec([FIX, 'execs']);
    expect(sum(s.data.values, 'count')).toBe(listed);
    expect(s.title.text).toMatch(/^Successful execs \(the rows of secanalyze execs\) per /);
    expect(sum(spec([FIX, 'execs', '-x']).data.values, 'count')).toBe(all);
  });

  it('the eperm chart counts what eperm --by syscall counts', () => {
    const rows = cli(['eperm', FIX, '--by', 'syscall', '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(sum(spec([FIX, 'eperm']).data.values, 'count')).toBe(sum(rows, 'count'));
  });

  it('the top chart keeps one process under one bar when exec changes its name', () => {
    const recs: RecordInit[] = [
      { ts: 1e8, pid: 9, tid: 9, ppid: 1, comm: b('sh'), fork: { childPid: 50, childTid: 50 } },
      { ts: 2e8, pid: 50, tid: 50, ppid: 9, comm: b('sh'), open: { path: b('/a'), ret: 3 } },
      { ts: 3e8, pid: 50, tid: 50, ppid: 9, comm: b('curl'), exec: { filename: b('/usr/bin/curl'), argv: [b('curl')] } },
      { ts: 4e8, pid: 50, tid: 50, ppid: 9, comm: b('curl'), open: { path: b('/b'), ret: 3 } },
      { ts: 5e8, pid: 50, tid: 50, ppid: 9, comm: b('curl'), exit: { code: 0, start: 1e8 } },
      { ts: 6e8, pid: 50, tid: 50, ppid: 9, comm: b('curl'), open: { path: b('/late'), ret: 3 } }, // bulk lane, after the exit
    ];
    const rows = spec([writeCapture(recs).path, 'top']).data.values;
    const p50 = rows.filter((r) => String(r['process']).includes('pid 50'));
    expect(p50).toEqual([{ process: 'curl (pid 50)', records: 5 }]);
  });
});

const canRun = existsSync(CHROMIUM);
describe.skipIf(!canRun && !process.env['CI'])('HTML charts in headless Chromium, offline', () => {
  it('every kind draws its marks with no console error; time labels are the recorded host\'s clock', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    const shots = join(tmpdir(), 'secanalyze-charts');
    mkdirSync(shots, { recursive: true });
    // a host in New York, viewed from a browser in Tokyo: labels must read New York time
    const ny = writeCapture([
      { ts: 1e9, pid: 10, tid: 10, ppid: 1, comm: b('bash'), exec: { filename: b('/bin/bash'), argv: [b('bash')] } },
      { ts: 65e9, pid: 11, tid: 11, ppid: 10, comm: b('id'), exec: { filename: b('/bin/id'), argv: [b('id')] } },
    ], { header: { ...HEADER, timezone: 'America/New_York', startWallSec: Date.parse('2024-07-01T13:00:00Z') / 1000 } }).path;
    try {
      const cases = [...CHART_KINDS.map((k) => [FIX, k, k] as const), [ny, 'execs', 'execs-newyork'] as const];
      for (const [file, kind, name] of cases) {
        const html = join(tmp(), `${name}.html`);
        expect(cli(['chart', file, kind, '-o', html]).code).toBe(0);
        const ctx = await browser.newContext({ offline: true, timezoneId: 'Asia/Tokyo' });
        const page = await ctx.newPage();
        const errors: string[] = [];
        const fetched: string[] = [];
        page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text()); });
        page.on('pageerror', (e) => errors.push(String(e)));
        await page.route('**/*', (route) => { const u = route.request().url(); if (u.startsWith('file:')) return route.continue(); fetched.push(u); return route.abort(); });
        await page.goto(`file://${html}`);
        await page.waitForSelector('#chart svg .mark-rect path, #chart svg .mark-symbol path', { timeout: 20000 });
        const marks = await page.locator('#chart svg .mark-rect path, #chart svg .mark-symbol path').count();
        expect(marks, name).toBeGreaterThan(0);
        const text = await page.locator('#chart svg.marks').textContent();
        if (name === 'execs-newyork') expect(text).toContain('09:01:00'); // 13:01Z in EDT
        if (name === 'events') expect(text).toMatch(/00:12:2\d/);
        await page.locator('#chart').screenshot({ path: join(shots, `${name}.png`) });
        expect(errors, name).toEqual([]);
        expect(fetched, name).toEqual([]);
        await ctx.close();
      }
    } finally {
      await browser.close();
    }
  }, 180_000);
});
