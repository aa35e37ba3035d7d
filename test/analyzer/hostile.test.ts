// Regression tests for issue 15's analyzer defects, each capture built with the real writer.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { HEADER, runView, writeCapture } from '../helpers.js';
import { treeView } from '../../analyzer/views/tree.js';
import { timelineView } from '../../analyzer/views/timeline.js';
import { replayView } from '../../analyzer/views/replay.js';
import { shellView } from '../../analyzer/views/terminal.js';
import { infoView } from '../../analyzer/views/info.js';
import { elfView } from '../../analyzer/views/elf.js';
import { epermView } from '../../analyzer/views/eperm.js';
import { execsView } from '../../analyzer/views/execs.js';
import { chartView } from '../../analyzer/charts.js';
import type { View } from '../../analyzer/pipeline.js';
import type { RecordInit } from '../../format/index.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const TTY = 136 << 20;
/** Anything a terminal would act on: C0 but \t \n, DEL, C1, bidi controls. */
const DANGER = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

/** A session on shell 10 whose snapshot parents form a cycle 10 → 11 → 10, plus 5 self-parented twice. */
function cycleCapture(): string {
  const recs: RecordInit[] = [
    { ts: 0, pid: 10, ppid: 11, comm: b('bash'), process: { start: 1, argv: [b('bash')], exe: b('/bin/bash') } },
    { ts: 0, pid: 11, ppid: 10, comm: b('sshd'), process: { start: 1, argv: [b('sshd')], exe: b('/usr/sbin/sshd') } },
    { ts: 0, pid: 5, ppid: 5, comm: b('x'), process: { start: 1, argv: [b('x')], exe: b('/x') } },
    { ts: 0, pid: 5, ppid: 5, comm: b('x'), process: { start: 1, argv: [b('x')], exe: b('/x') } },
    { ts: 1e9, pid: 10, ppid: 11, comm: b('bash'), readline: { line: b('ls') } },
    { ts: 2e9, pid: 10, ppid: 11, comm: b('bash'), fork: { childPid: 12, childTid: 12 } },
    { ts: 3e9, pid: 12, ppid: 10, comm: b('ls'), exec: { filename: b('/bin/ls'), argv: [b('ls')] } },
    { ts: 4e9, pid: 12, ppid: 10, comm: b('ls'), ttyWrite: { rdev: TTY, fd: 1, data: b('a b\r\n'), len: 5, isTty: true } },
    { ts: 5e9, pid: 11, ppid: 10, comm: b('sshd'), ttyWrite: { rdev: TTY, fd: 1, data: b('x'), len: 1, isTty: true } },
    { ts: 6e9, pid: 5, ppid: 5, comm: b('x'), open: { path: b('/etc/passwd'), ret: 3 } },
  ];
  return writeCapture(recs).path;
}

describe('process-tree cycles (issue 15 item 1)', () => {
  const path = cycleCapture();
  const views: Array<[string, () => View]> = [
    ['tree', () => treeView({ maxArgs: 20 })], ['tree --all', () => treeView({ maxArgs: 20, all: true })],
    ['tree --pid 10', () => treeView({ maxArgs: 20, pid: 10 })], ['tree --pid 5', () => treeView({ maxArgs: 20, pid: 5 })],
    ['ancestry 12', () => treeView({ maxArgs: 20, ancestry: 12 })], ['ancestry 5', () => treeView({ maxArgs: 20, ancestry: 5 })],
    ['timeline', () => timelineView()], ['replay', () => replayView(10, { speed: 1, format: 'bash' })],
    ['shell', () => shellView(10, false, { escape: true })], ['execs', () => execsView({ maxArgs: 20 })],
    ['chart sessions', () => chartView({ kind: 'sessions', output: 'x.vl.json', top: 20 }, async () => {})],
  ];
  for (const [name, v] of views) {
    it(`${name} terminates, bounded, and reports the cycle`, async () => {
      const out = await runView(path, v());
      expect(out.bytes.length).toBeLessThan(10_000);
      expect(out.warnings.join('\n')).toMatch(/test\.cap: 2 process record\(s\) name a parent that would close a cycle/);
    });
  }
  it('marks the refused links in the tree, text and JSON', async () => {
    const text = (await runView(path, treeView({ maxArgs: 20, all: true }))).text;
    expect(text).toMatch(/claims parent \d+: refused, it closes a cycle/);
    const rows = (await runView(path, treeView({ maxArgs: 20, all: true }), { json: true })).text.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.filter((r) => r.cycle_parent !== null).length).toBe(2);
    const anc = (await runView(path, treeView({ maxArgs: 20, ancestry: 12 }))).text.trim().split('\n');
    expect(anc.length).toBe(2); // bash 10 → ls 12: 10 came first and waited for 11, whose claim closed the cycle
  });
});

describe('deep and wide trees (items 6, 7)', () => {
  it('a 3,000-deep fork chain shows in --tree and --ancestry with bounded line length', async () => {
    const recs: RecordInit[] = [];
    for (let i = 0; i < 3000; i++) recs.push({ ts: i + 1, pid: 1000 + i, comm: b('sh'), fork: { childPid: 1001 + i, childTid: 1001 + i } });
    recs.push({ ts: 5000, pid: 4000, comm: b('sh'), exec: { filename: b('/bin/true'), argv: [b('true')] } });
    const { path } = writeCapture(recs);
    const lines = (await runView(path, treeView({ maxArgs: 20 }))).text.trim().split('\n');
    expect(lines.length).toBe(3001);
    expect(lines.at(-1)).toMatch(/\[depth 3000\] └─ \/bin\/true/);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(400);
    const anc = (await runView(path, treeView({ maxArgs: 20, ancestry: 4000 }))).text.trim().split('\n');
    expect(anc.length).toBe(3001);
    const json = (await runView(path, treeView({ maxArgs: 20, pid: 1000 }), { json: true })).text.trim().split('\n');
    expect(JSON.parse(json.at(-1)!).depth).toBe(3000);
  });

  it('--timeline prints one loss marker per gap, not one per session and loss record', async () => {
    const recs: RecordInit[] = [];
    for (let s = 0; s < 50; s++) recs.push({ ts: s, pid: 100 + s, comm: b('bash'), readline: { line: b(`cmd ${s}`) } });
    for (let i = 0; i < 2000; i++) recs.push({ ts: 1000 + i, lost: { probe: i % 2 ? 'tty' : 'exec', count: 3 } });
    for (let s = 0; s < 50; s++) recs.push({ ts: 10_000 + s, pid: 100 + s, comm: b('bash'), readline: { line: b('exit') } });
    const { path } = writeCapture(recs);
    const out = await runView(path, timelineView());
    const markers = out.text.split('\n').filter((l) => l.includes('events lost'));
    expect(markers.length).toBe(50);
    expect(markers[0]).toMatch(/!! 6000 events lost around here \((exec, tty|tty, exec)(, …)?; 2000 loss records\)/);
    expect(out.bytes.length).toBeLessThan(20_000);
  });
});

describe('hostile header (item 4)', () => {
  for (const [what, header] of [
    ['time zone Etc/GMT-15', { ...HEADER, timezone: 'Etc/GMT-15', utcOffsetSec: 7200 }],
    ['time zone and offset both invalid', { ...HEADER, timezone: 'Not/AZone', utcOffsetSec: 15 * 3600 }],
    ['start wall time 9e15 s', { ...HEADER, startWallSec: 9e15 }],
  ] as const) {
    it(`${what}: every view goes on, with a warning naming the file`, async () => {
      const { path } = writeCapture([
        { ts: 1e9, pid: 7, comm: b('bash'), readline: { line: b('id') } },
        { ts: 2e9, pid: 7, comm: b('bash'), exec: { filename: b('/bin/id'), argv: [b('id')] } },
      ], { header });
      for (const v of [infoView(), execsView({ maxArgs: 20, timestamp: true }), timelineView(), treeView({ maxArgs: 20 })]) {
        const out = await runView(path, v);
        expect(out.text.length).toBeGreaterThan(0);
        expect(out.warnings.join('\n')).toMatch(/test\.cap: the header's (time zone|start wall (time|clock))/);
      }
      const cli = execFileSync('node', ['dist/analyzer/cli.js', path, '--execs', '-T'], { stdio: 'pipe' }).toString();
      expect(cli).toMatch(/\/bin\/id/);
    });
  }
  it('falls back to the recorded UTC offset', async () => {
    const { path } = writeCapture([{ ts: 0, pid: 7, comm: b('bash'), readline: { line: b('id') } }], { header: { ...HEADER, timezone: 'Etc/GMT-15', utcOffsetSec: 7200 } });
    const out = await runView(path, infoView());
    expect(out.text).toMatch(/Start: +2023-11-14T22:13:20\.000Z \(2023-11-15 00:13:20 (Etc\/GMT-2|UTC\+2)\)/);
  });
});

describe('captured strings are escaped on every output path (item 5)', () => {
  const evil = '\x1b]0;pwned\x07\u009b2J\u202e';
  const header = {
    ...HEADER, recorderVersion: evil, timezone: evil, users: [{ uid: 1000, name: `alice${evil}` }],
    probes: [{ name: 'exec', attached: false, reason: `no${evil}` }, { name: `eperm${evil}`, attached: true, targets: [`t${evil}`], reason: `partly${evil}` }],
  };
  const recs: RecordInit[] = [
    { ts: 1, pid: 9, uid: 1000, comm: b('bash'), readline: { line: b('x') } },
    { ts: 2, pid: 9, uid: 1000, comm: b('cat'), syscallError: { nr: 257, errno: 13 } },
    { ts: 3, pid: 9, uid: 1000, comm: b('cat'), exec: { filename: b('/bin/cat'), argv: [b('cat')], ino: `1${evil}` } },
    { ts: 4, lost: { probe: `exec${evil}`, count: 2 } },
    { ts: 5, pid: 9, uid: 1000, comm: b('cat'), syscallError: { nr: 257, errno: 13 } },
  ];
  const { path } = writeCapture(recs, { header });
  for (const [name, v, json] of [
    ['info', () => infoView(), false], ['info --json', () => infoView(), true], ['elf', () => elfView(), false], ['elf --json', () => elfView(), true],
    ['eperm --by uid', () => epermView('uid'), false], ['timeline', () => timelineView(), false], ['timeline --json', () => timelineView(), true],
  ] as const) {
    it(`${name}: stdout and stderr carry no terminal controls`, async () => {
      const out = await runView(path, v(), { json });
      expect(out.text).not.toMatch(DANGER);
      for (const w of out.warnings) expect(w).not.toMatch(DANGER);
      if (json) for (const l of out.text.trim().split('\n')) JSON.parse(l); // still valid JSON
    });
  }
  it('the probe warning is escaped, and JSON keeps the exact characters', async () => {
    const out = await runView(path, execsView({ maxArgs: 20 }));
    expect(out.warnings.join('\n')).toContain('probe exec was not attached when recording (no\\e]0;pwned\\a\\u{9b}2J\\u{202e})');
    const info = JSON.parse((await runView(path, infoView(), { json: true })).text);
    expect(info.probes[1].name).toBe(`eperm${evil}`);
  });
});

describe('replay (item 8)', () => {
  const session = (writes: Buffer[], gaps: number[] = [], size?: [number, number]): string => {
    const recs: RecordInit[] = [{ ts: 0, pid: 77, comm: b('bash'), readline: { line: b('x') } }];
    let ts = 1000;
    writes.forEach((d, i) => { ts += gaps[i] ?? 1000; recs.push({ ts, pid: 77, comm: b('bash'), ttyWrite: { rdev: TTY, fd: 1, data: d, len: d.length, isTty: true, ...(size ? { rows: size[0], cols: size[1] } : {}) } }); });
    return writeCapture(recs).path;
  };
  const runBash = (script: string): { out: Buffer; files: string[] } => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-'));
    const f = join(tmpdir(), `replay-${process.pid}-${Math.random().toString(36).slice(2)}.sh`);
    writeFileSync(f, script);
    const out = execFileSync('bash', [f], { cwd: dir, maxBuffer: 1 << 26 });
    return { out, files: readdirSync(dir) };
  };

  it('data starting with "-" is printed, not read as an option', async () => {
    const writes = ['-n hi', '--help', '-v x', '-', '-e \\x41', '--'].map(b);
    const script = (await runView(session(writes), replayView(77, { speed: 1e6, format: 'bash' }))).text;
    const r = runBash(script);
    expect(r.out.equals(Buffer.concat(writes))).toBe(true);
    expect(r.files).toEqual([]);
  });

  it('caps each sleep at --max-idle and says so in the script', async () => {
    const path = session([b('a'), b('b'), b('c')], [1000, 31_500_000e9, 3e9]);
    const script = (await runView(path, replayView(77, { speed: 1, format: 'bash' }))).text;
    expect(script).toMatch(/^# .*--max-idle.*idle_time_limit/m);
    expect(script.match(/^sleep .*/gm)).toEqual(['sleep 2.000000', 'sleep 2.000000']);
    const fast = (await runView(path, replayView(77, { speed: 4, format: 'bash', maxIdle: 0.5 }))).text;
    expect(fast.match(/^sleep .*/gm)).toEqual(['sleep 0.125000', 'sleep 0.125000']);
  });

  it('asciicast: times never go back, UTF-8 is decoded across writes, the tty size is used', async () => {
    const text = 'é€😀 ok\r\n';
    const bytes = b(''); const u = Buffer.from(text, 'utf8');
    const writes = [u.subarray(0, 1), u.subarray(1, 4), u.subarray(4, 7), u.subarray(7), bytes];
    const path = session(writes, [1000, 5e9, -3e9 as number, 1e9, 1e9], [50, 132]);
    const lines = (await runView(path, replayView(77, { speed: 1, format: 'asciicast' }))).text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ version: 2, width: 132, height: 50, idle_time_limit: 2 });
    const ev = lines.slice(1) as Array<[number, string, string]>;
    for (let i = 1; i < ev.length; i++) expect(ev[i]![0]).toBeGreaterThanOrEqual(ev[i - 1]![0]);
    expect(ev.map((e) => e[2]).join('')).toBe(text);
    expect(ev.map((e) => e[2]).join('')).not.toContain('\ufffd');
    const unknown = (await runView(session([b('a')]), replayView(77, { speed: 1, format: 'asciicast' }))).text;
    expect(JSON.parse(unknown.split('\n')[0]!)).toMatchObject({ width: 80, height: 24 });
  });
});
