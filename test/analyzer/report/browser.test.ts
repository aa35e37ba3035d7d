// The report bundle in a real browser (Debian's chromium through playwright-core), offline: every
// network request is blocked and counted. CI installs chromium; elsewhere this is skipped loudly.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { tmp, writeCapture, HEADER } from '../../helpers.js';
import type { RecordInit } from '../../../format/index.js';

const CHROMIUM = '/usr/bin/chromium';
const have = existsSync(CHROMIUM);
if (!have) console.warn('\n*** SKIPPING the report browser test: no /usr/bin/chromium (apt-get install chromium) ***\n');
const FIX = 'fixtures/incident.cap';
const b = (s: string) => Buffer.from(s, 'latin1');

function report(file: string, out: string, extra: string[] = []): void {
  execFileSync('node', ['dist/analyzer/cli.js', 'report', file, '-o', out, ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
}

interface Visit { page: Page; errors: string[]; requests: string[]; dialogs: number }

describe.runIf(have)('report bundle in headless chromium, offline', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
  });
  afterAll(async () => { await browser?.close(); });

  async function visit(html: string): Promise<Visit> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
    const page = await ctx.newPage();
    const v: Visit = { page, errors: [], requests: [], dialogs: 0 };
    await page.route('**/*', (route) => {
      if (route.request().url() === `file://${html}`) return route.continue();
      v.requests.push(route.request().url());
      return route.abort();
    });
    page.on('request', (r) => { if (r.url() !== `file://${html}`) v.requests.push(r.url()); });
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') v.errors.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => v.errors.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => { v.dialogs++; void d.dismiss(); });
    await page.addInitScript(() => { (window as unknown as { __csp: string[] }).__csp = []; document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { __csp: string[] }).__csp.push(e.violatedDirective)); });
    await page.goto(`file://${html}`);
    await page.waitForFunction(() => document.querySelectorAll('.chart svg').length === document.querySelectorAll('.chart').length, null, { timeout: 20_000 });
    return v;
  }

  it('fixture: loads with no console error and no request; findings, tree, timeline hold the facts; a session plays', async () => {
    const dir = join(tmp(), 'bundle');
    report(FIX, dir);
    const v = await visit(join(dir, 'index.html'));
    const { page } = v;
    const text = (sel: string) => page.locator(sel).innerText();
    expect(await text('#summary')).toMatch(/Integrity intact.*SHA-256 chain e46c79e23d97d8c994c7c309c4c135e6d23b7e4b214d6491124deaff4ea861fd/);
    const findings = await text('#findings-table');
    expect(findings).toMatch(/A file written during the capture was then executed/);
    expect(findings).toMatch(/payload\.sh pid 6846@00:12:21\.\d{3} user root/);
    expect(findings).toContain('EACCES on openat /etc/shadow as nobody');
    expect(findings).toContain('secanalyze tree fixtures/incident.cap --pid 6846@0.750');
    const tree = await text('#tree');
    expect(tree).toMatch(/missing-tool --flag value \(ENOENT\)/);
    expect(tree).toContain('/usr/bin/sleep 0.05');
    expect(await page.locator('#tree details').count()).toBeGreaterThan(20);
    await page.click('#collapse');
    expect(await page.locator('#tree details[open]').count()).toBe(0);
    await page.click('#expand');
    const timeline = await text('#timeline');
    expect(timeline).toContain('session: bash pid 6852 on pts/0, user root');
    expect(timeline).toContain('$ echo hello from the pty');
    expect(timeline).toContain('exec /usr/bin/id -u (pid 6856)');
    expect(await text('#eperm')).toContain('openat /etc/shadow');
    expect(await page.locator('.chart svg').count()).toBe(3);
    // play the session: the player's screen shows what the shell printed
    const player = page.locator('#player-6852');
    await player.scrollIntoViewIfNeeded();
    await player.locator('.ap-player').click();
    await page.waitForFunction(() => (document.querySelector('#player-6852 .ap-term-text')?.textContent ?? '').includes('hello from the pty'), null, { timeout: 20_000 });
    await page.waitForFunction(() => (document.querySelector('#player-6852 .ap-term-text')?.textContent ?? '').includes('ALERT'), null, { timeout: 20_000 });
    await page.locator('#collapse').scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollTo(0, 0));
    mkdirSync('docs', { recursive: true });
    await page.screenshot({ path: 'docs/report.png', fullPage: true });
    expect(v.errors).toEqual([]);
    expect(v.requests).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
    await page.context().close();
  });

  it('a hostile capture executes nothing and shows its strings as text', async () => {
    const evil = [
      '<script>window.__pwned=1</script>', '</script><script>window.__pwned=2</script>', '<img src=x onerror="window.__pwned=3">',
      'javascript:window.__pwned=4', '"><svg onload=window.__pwned=5>', '{{constructor.constructor("window.__pwned=6")()}}',
    ];
    const all = evil.join(' ');
    const term = '\x1b]8;;javascript:window.__pwned=7\x07click me\x1b]8;;\x07 \x1b]0;<script>window.__pwned=8</script>\x07 \x1b[2J\x1b[31m' + all + '\x1b[0m\r\n';
    const S = 1e9;
    const r = (ts: number, pid: number, body: Partial<RecordInit>): RecordInit => ({ ts, pid, tid: pid, ppid: 1, uid: 1000, gid: 1000, comm: b('<img onerror=x>'), ...body });
    const recs: RecordInit[] = [
      { ts: 0, pid: 1, tid: 1, ppid: 0, uid: 0, gid: 0, comm: b('<script>'), process: { exe: b('/tmp/<script>alert(1)</script>'), argv: evil.map(b), start: -S } },
      { ts: 0, pid: 40, tid: 40, ppid: 1, uid: 1000, gid: 1000, comm: b('bash'), process: { exe: b('/bin/bash'), argv: [b('bash')], start: -S, ttyRdev: (136 << 20) | 5 } },
      r(0.5 * S, 40, { comm: b('bash'), ttyWrite: { rdev: (136 << 20) | 5, fd: 2, isTty: true, data: b('$ '), len: 2 } }),
      r(1 * S, 40, { comm: b('bash'), readline: { line: b(all) } }),
      r(1.1 * S, 40, { comm: b('bash'), fork: { childPid: 41, childTid: 41 } }),
      r(1.2 * S, 41, { open: { path: b('/tmp/<img src=x onerror=alert(1)>'), ret: 3, flags: 0o101 } }),
      r(1.3 * S, 41, { exec: { filename: b('/tmp/<img src=x onerror=alert(1)>'), argv: evil.map(b) } }),
      r(1.4 * S, 41, { ttyWrite: { rdev: (136 << 20) | 5, fd: 1, isTty: true, data: b(term), len: term.length } }),
      r(1.5 * S, 41, { open: { path: b('javascript:alert(1)//<script>'), ret: -13, flags: 0 } }),
      r(1.5 * S, 41, { syscallError: { nr: 257, errno: 13 } }),
      r(1.6 * S, 41, { moduleLoad: { name: b('<script>window.__pwned=9</script>') } }),
      r(1.7 * S, 41, { uid: 0, gid: 0, open: { path: b('/etc/shadow'), ret: 4, flags: 0 } }),
    ];
    const { path } = writeCapture(recs, { header: { ...HEADER, hostname: '<script>window.__pwned=10</script>' } });
    const dir = join(tmp(), 'hostile');
    report(path, dir);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    // the only <script> elements are our own bundles (5), whatever the capture held
    expect(html.match(/<script>/g)!.length).toBe(5);
    const v = await visit(join(dir, 'index.html'));
    const { page } = v;
    await page.locator('#player-40 .ap-player').click();
    await page.waitForFunction(() => (document.querySelector('#player-40 .ap-term-text')?.textContent ?? '').includes('<script>window.__pwned=1</script>'), null, { timeout: 20_000 });
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(v.dialogs).toBe(0);
    expect(v.errors).toEqual([]);
    expect(v.requests).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
    // captured markup is there, as text only
    expect(await page.locator('img, iframe, object, embed, a[href]').count()).toBe(0);
    expect(await page.evaluate(() => document.querySelectorAll('script').length)).toBe(5);
    expect(await page.evaluate(() => [...document.querySelectorAll('[onerror],[onload]')].length)).toBe(0);
    expect(await page.title()).toBe('secanalyze report: <script>window.__pwned=10</script>');
    const findings = await page.locator('#findings-table').innerText();
    expect(findings).toContain('<img src=x onerror=alert(1)>');
    expect(await page.locator('#timeline').innerText()).toContain('$ <script>window.__pwned=1</script>');
    expect(await page.locator('#tree').innerText()).toContain('javascript:window.__pwned=4');
    await page.context().close();
  });

});

describe('report bundle files', () => {
  it('manifest, findings.json, sessions, --no-capture, and packed .tar.gz / .zip', () => {
    const dir = join(tmp(), 'b2');
    report(FIX, dir, ['--no-capture']);
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(m.capture).toMatchObject({ name: 'incident.cap', included: false, chain: 'e46c79e23d97d8c994c7c309c4c135e6d23b7e4b214d6491124deaff4ea861fd', integrity: 'intact' });
    expect(m.capture.sha256).toBe(createHash('sha256').update(readFileSync(FIX)).digest('hex'));
    expect(m.generator).toMatch(/^secanalyze \d+\.\d+\.\d+$/);
    expect(m.files.map((f: { path: string }) => f.path)).toEqual(['findings.json', 'index.html', 'sessions/session-6852.cast', 'sessions/session-6852.sh']);
    for (const f of m.files) expect(f.sha256).toBe(createHash('sha256').update(readFileSync(join(dir, f.path))).digest('hex'));
    expect(readdirSync(dir)).not.toContain('incident.cap');
    expect(JSON.parse(readFileSync(join(dir, 'findings.json'), 'utf8')).some((f: { rule: string }) => f.rule === 'exec-written')).toBe(true);
    const out = execFileSync('bash', [join(dir, 'sessions/session-6852.sh')], { env: { PATH: process.env['PATH']! } }).toString();
    expect(out).toContain('hello from the pty');
    expect(() => report(FIX, dir)).toThrow(); // never written over
    const t = tmp();
    report(FIX, join(t, 'case-42.tar.gz'));
    const list = execFileSync('tar', ['tzf', join(t, 'case-42.tar.gz')]).toString().split('\n');
    expect(list).toEqual(expect.arrayContaining(['case-42/index.html', 'case-42/manifest.json', 'case-42/incident.cap', 'case-42/sessions/session-6852.cast']));
    report(FIX, join(t, 'case-42.zip'));
    const zip = readFileSync(join(t, 'case-42.zip'));
    expect(zip.subarray(0, 2).toString()).toBe('PK');
    expect(zip.includes(Buffer.from('case-42/index.html'))).toBe(true);
    expect(statSync(join(t, 'case-42.zip')).size).toBeGreaterThan(100_000);
    // a capture cut short still gives a report, with exit code 3 and the damage as its first finding
    const cut = join(t, 'cut.cap');
    writeFileSync(cut, readFileSync(FIX).subarray(0, 8000));
    const r = spawnSync('node', ['dist/analyzer/cli.js', 'report', cut, '-o', join(t, 'cut')]);
    expect(r.status).toBe(3);
    expect(JSON.parse(readFileSync(join(t, 'cut', 'findings.json'), 'utf8'))[0]).toMatchObject({ rule: 'capture-damaged', summary: 'truncated after frame 1' });
  });
});
