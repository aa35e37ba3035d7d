import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync, readFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runView, writeCapture } from '../helpers.js';
import { execsView } from '../../analyzer/views/execs.js';
import { opensView } from '../../analyzer/views/opens.js';
import { elfView } from '../../analyzer/views/elf.js';
import { commandView } from '../../analyzer/views/kinds.js';
import { epermView } from '../../analyzer/views/eperm.js';
import { treeView } from '../../analyzer/views/tree.js';
import { timelineView } from '../../analyzer/views/timeline.js';
import { infoView } from '../../analyzer/views/info.js';
import { replayView, printfFormat } from '../../analyzer/views/replay.js';
import { ttyView } from '../../analyzer/views/terminal.js';
import { chartView, toSvg } from '../../analyzer/charts.js';
import { esc } from '../../analyzer/text.js';
import type { RecordInit } from '../../format/index.js';

const FIX = 'fixtures/incident.cap';
const b = (s: string | number[]) => Buffer.from(s as never);

describe('views on the recorded fixture (golden)', () => {
  const golden = (name: string) => `../golden/${name}.txt`;
  it('execs -x -t', async () => { await expect((await runView(FIX, execsView({ fails: true, time: true, maxArgs: 20 }))).text).toMatchFileSnapshot(golden('execs')); });
  it('opens -x -e --errname', async () => { await expect((await runView(FIX, opensView({ failed: true, extended: true, errname: true }))).text).toMatchFileSnapshot(golden('opens')); });
  it('elf', async () => { await expect((await runView(FIX, elfView())).text).toMatchFileSnapshot(golden('elf')); });
  it('readline', async () => { await expect((await runView(FIX, commandView('readline'))).text).toMatchFileSnapshot(golden('readline')); });
  it('eperm', async () => { await expect((await runView(FIX, epermView())).text).toMatchFileSnapshot(golden('eperm')); });
  it('tree', async () => { await expect((await runView(FIX, treeView({ maxArgs: 20 }))).text).toMatchFileSnapshot(golden('tree')); });
  it('timeline', async () => { await expect((await runView(FIX, timelineView())).text).toMatchFileSnapshot(golden('timeline')); });

  it('shows what the scenario did', async () => {
    const ex = (await runView(FIX, execsView({ fails: true, maxArgs: 20 }))).text;
    expect(ex).toMatch(/missing-tool --flag value/);
    expect(ex).toMatch(/\s-2 \S*missing-tool/);
    const rl = (await runView(FIX, commandView('readline'))).text;
    for (const c of ['echo hello from the pty', 'id -u', 'exit 3']) expect(rl).toContain(c);
    const ep = (await runView(FIX, epermView())).text;
    expect(ep).toMatch(/@EACCES\[cat, openat\]: 1/);
    const tree = (await runView(FIX, treeView({ maxArgs: 20 }))).text;
    expect(tree).toMatch(/✗ \S*missing-tool --flag value \(ENOENT\)/);
    expect(tree).toMatch(/bash --norc --noprofile -i .*exit 3/);
    expect(tree).toMatch(/└─ \/usr\/bin\/sleep 0\.05/); // three levels under sh -c
    const opens = (await runView(FIX, opensView({ fullPath: true, name: 'cat' }))).text;
    expect(opens).toContain('/etc/hostname');
    const info = (await runView(FIX, infoView(), { json: true })).text;
    const i = JSON.parse(info);
    expect(i.integrity).toBe('intact');
    expect(i.probes.find((p: { name: string }) => p.name === 'module').attached).toBe(false);
  });

  it('ttysnoop mirrors the pty bytes, escape sequences included', async () => {
    const out = await runView(FIX, ttyView('pts/0', {}));
    expect(out.bytes.includes(Buffer.from('\x1b[1;31mALERT\x1b[0m'))).toBe(true);
    expect(out.warnings.join('\n')).toMatch(/raw bytes/);
  });
});

describe('synthetic captures', () => {
  it('keeps processes apart when a pid is reused, and marks inferred parents', async () => {
    const recs: RecordInit[] = [
      { ts: 1, pid: 10, comm: b('bash'), fork: { childPid: 200, childTid: 200 } },
      { ts: 2, pid: 200, ppid: 10, comm: b('a'), exec: { filename: b('/bin/a'), argv: [b('a')] } },
      { ts: 3, pid: 200, ppid: 10, comm: b('a'), exit: { code: 0, start: 1 } },
      { ts: 4, pid: 10, comm: b('bash'), fork: { childPid: 200, childTid: 200 } },
      { ts: 5, pid: 200, ppid: 10, comm: b('b'), exec: { filename: b('/bin/b'), argv: [b('b')] } },
      { ts: 6, pid: 300, ppid: 77, comm: b('ghost'), open: { path: b('/x'), ret: 3 } },
      { ts: 7, lost: { probe: 'proc', count: 5 } },
    ];
    const { path } = writeCapture(recs);
    const out = await runView(path, treeView({ maxArgs: 20 }), { json: true });
    const rows = out.text.trim().split('\n').map((l) => JSON.parse(l));
    const p200 = rows.filter((r) => r.pid === 200);
    expect(p200.length).toBe(2);
    expect(p200[0].exe_text).toBe('/bin/a');
    expect(p200[1].exe_text).toBe('/bin/b');
    expect(p200[0].process).not.toBe(p200[1].process);
    expect(rows.find((r) => r.pid === 300).parent_inferred).toBe(true);
    expect(out.warnings.join('\n')).toMatch(/5 proc events were lost/);
  });

  it('modsnoop: module loads with the recorded host\'s user names', async () => {
    const { path } = writeCapture([{ ts: 5e9, pid: 4242, uid: 1000, comm: b('insmod'), moduleLoad: { name: b('evil_rk'), taints: 0 } }]);
    const out = await runView(path, commandView('modules'));
    expect(out.text).toBe('22:13:25 module init: evil_rk, by insmod (PID 4242, user alice, UID 1000)\n');
  });

  it('escapes control characters, invalid UTF-8 and bidi overrides in text output', async () => {
    expect(esc(b([0x61, 0x1b, 0x5b, 0x32, 0x4a, 0x0a, 0xff, 0xe2, 0x80, 0xae, 0x5c]))).toBe('a\\e[2J\\n\\xff\\u{202e}\\\\');
    expect(esc(b('naïve'))).toBe('naïve');
    const { path } = writeCapture([{ ts: 1, pid: 5, comm: b('x\x1b]0;pwned\x07'), exec: { filename: b('/tmp/\x1b[2Jevil'), argv: [b('evil'), b('a\nb')] } }]);
    const out = (await runView(path, execsView({ maxArgs: 20 }))).text;
    expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(out).toContain('/tmp/\\e[2Jevil a\\nb');
  });

  it('replay scripts reproduce hostile bytes exactly and run nothing captured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-'));
    const canary = join(dir, 'pwned');
    const hostile = [
      `'; touch ${canary}; '`, `$(touch ${canary})`, `\`touch ${canary}\``, 'a\\cb\\n%s%n%%', '\x00\x01\x7f\xff\xfe',
      '\x1b[31mred\x1b[0m', `"; touch ${canary}; "`, '\\0101\\x41', 'é€😀',
    ].map((s) => Buffer.from(s, 'latin1'));
    hostile.push(Buffer.from('é€😀', 'utf8'), Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
    const recs: RecordInit[] = [{ ts: 0, pid: 77, comm: b('bash'), readline: { line: b('x') } }];
    hostile.forEach((h, i) => recs.push({ ts: 1000 + i * 1_500_000, pid: 77, comm: b('bash'), ttyWrite: { rdev: 136 << 20, fd: 1, data: h, len: h.length, isTty: true } }));
    const { path } = writeCapture(recs);
    const script = (await runView(path, replayView(77, { speed: 1e6, format: 'bash' }))).text;
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(script).not.toMatch(/^sleep/m); // 1.5 ms at 1e6x is below a microsecond
    const f = join(dir, 'replay.sh');
    writeFileSync(f, script);
    const got = execFileSync('bash', [f], { cwd: dir });
    expect(Buffer.compare(got, Buffer.concat(hostile))).toBe(0);
    expect(existsSync(canary)).toBe(false);
    expect(printfFormat(b('a b%'))).toBe('a b\\045');
    const slow = (await runView(path, replayView(77, { speed: 1, format: 'bash' }))).text;
    expect(slow).toContain('sleep 0.001500');
  });

  it('charts render to SVG with the expected marks', async () => {
    let svg = '';
    await runView(FIX, chartView({ kind: 'eperm', output: 'x.svg', top: 20 }, async (spec) => { svg = await toSvg(spec); }));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('openat');
    expect((svg.match(/role-mark/g) ?? []).length).toBeGreaterThan(0);
    await runView(FIX, chartView({ kind: 'events', output: 'x.svg', top: 20 }, async (spec) => { svg = await toSvg(spec); }));
    expect(svg).toContain('exec');
  });
});

describe('secanalyze CLI', () => {
  it('runs, reports damage with file and offset, and exits 3 on a truncated capture', () => {
    const bytes = readFileSync(FIX);
    const p = join(mkdtempSync(join(tmpdir(), 'cli-')), 'cut.cap');
    writeFileSync(p, bytes.subarray(0, bytes.length - 100));
    let code = 0;
    let stderr = '';
    try { execFileSync('node', ['dist/analyzer/cli.js', p, '--readline'], { stdio: 'pipe' }); }
    catch (e) { code = (e as { status: number }).status; stderr = String((e as { stderr: Buffer }).stderr); }
    expect(code).toBe(3);
    expect(stderr).toMatch(/cut\.cap: byte \d+/);
    const ok = execFileSync('node', ['dist/analyzer/cli.js', FIX, '--execs', '-t', '--json']).toString();
    expect(ok.trim().split('\n').every((l) => typeof JSON.parse(l).pid === 'number')).toBe(true);
  });
});
