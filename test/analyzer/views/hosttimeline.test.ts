import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { runView, writeCapture, HEADER } from '../../helpers.js';
import { HostTimeline, hostTimelineView, type Item } from '../../../analyzer/views/hosttimeline.js';
import type { RecordInit } from '../../../format/index.js';

const FIX = 'fixtures/incident.cap';
const b = (s: string) => Buffer.from(s);
const S = 1e9;
const CLI = (args: string[]) => execFileSync('node', ['dist/analyzer/cli.js', 'timeline', ...args], { encoding: 'utf8' });

describe('timeline: the whole host', () => {
  it('fixture: session, commands, the processes they started and their output, denials, written-then-run', async () => {
    const { text } = await runView(FIX, hostTimelineView(new HostTimeline()));
    const lines = text.trim().split('\n');
    const idx = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(lines[idx(/written-exec|!! ran/)]).toMatch(/^00:12:21\.844 {2}!! ran \/tmp\/secrec-scenario\.\w+\/payload\.sh, written at \+0\.749 s by bash pid 6842$/);
    expect(lines[idx(/EACCES/)]).toMatch(/✗ EACCES openat ×1 \(cat pid 6848, uid 65534\)/);
    const order = [/session: bash pid 6852 on pts\/0, user root/, /\[6852\] \$ echo hello from the pty/, /\[6852\] {5}output \(bash pid 6852\): hello from the pty\\n/,
      /\[6852\] \$ id -u/, /\[6852\] {3}exec \/usr\/bin\/id -u \(pid 6856\)/, /\[6852\] {5}output \(id pid 6856\): 0\\n/, /\[6852\] \$ exit 3/];
    const at = order.map(idx);
    expect(at.every((i) => i >= 0)).toBe(true);
    expect(at).toEqual([...at].sort((x, y) => x - y));
  });

  it('CLI filters: --session, --since, --uid, --pid, --json', () => {
    const s = CLI([FIX, '--session', '6852', '--since', '00:12:23']);
    expect(s.split('\n')[0]).toMatch(/^00:12:23\.054 {2}\[6852\] \$ id -u$/);
    expect(s).not.toContain('EACCES');
    expect(CLI([FIX, '--uid', '65534']).trim()).toMatch(/^\S+ {2}✗ EACCES openat ×1 \(cat pid 6848, uid 65534\)$/);
    const p = CLI([FIX, '--pid', '6852', '--json']).trim().split('\n').map((l) => JSON.parse(l) as Item & { time: string });
    expect(p.every((it) => it.session === 6852)).toBe(true);
    expect(p.map((it) => it.kind)).toEqual(expect.arrayContaining(['session', 'command', 'exec', 'output', 'denied']));
    expect(p[0]!.time).toMatch(/^2026-11-22T00:12:21\.\d{9}\+00:00$/); // the schema's time: ns, the host's offset
  });

  it('synthetic: an sshd session, module load, lost events, --stdio shell output', async () => {
    const r = (ts: number, pid: number, ppid: number, comm: string, body: Partial<RecordInit>): RecordInit => ({ ts, pid, tid: pid, ppid, uid: 1000, gid: 1000, comm: b(comm), ...body });
    const pts = (136 << 20) | 7;
    const recs: RecordInit[] = [
      { ts: 0, pid: 1, tid: 1, ppid: 0, uid: 0, comm: b('systemd'), process: { exe: b('/sbin/init'), start: -9 * S } },
      { ts: 0, pid: 500, tid: 500, ppid: 1, uid: 0, comm: b('sshd'), process: { exe: b('/usr/sbin/sshd'), start: -9 * S } },
      r(1 * S, 500, 1, 'sshd', { uid: 0, fork: { childPid: 501, childTid: 501 } }),
      r(1.1 * S, 501, 500, 'bash', { exec: { filename: b('/bin/bash'), argv: [b('-bash')] } }),
      r(1.2 * S, 501, 500, 'bash', { ttyWrite: { rdev: pts, fd: 2, isTty: true, data: b('alice$ '), len: 7 } }),
      r(2 * S, 501, 500, 'bash', { readline: { line: b('insmod x.ko') } }),
      r(2.1 * S, 501, 500, 'bash', { fork: { childPid: 502, childTid: 502 } }),
      r(2.2 * S, 502, 501, 'insmod', { exec: { filename: b('/sbin/insmod'), argv: [b('insmod'), b('x.ko')] } }),
      r(2.3 * S, 502, 501, 'insmod', { moduleLoad: { name: b('x') } }),
      { ts: 2.4 * S, pid: 0, tid: 0, ppid: 0, uid: 0, comm: b(''), lost: { probe: 'tty', count: 3 } },
      r(2.5 * S, 501, 500, 'bash', { ttyWrite: { rdev: 0, fd: 1, isTty: false, data: b('builtin out\n'), len: 12 } }),
    ];
    const { path } = writeCapture(recs, { header: { ...HEADER, settings: { stdio: true } } });
    const { text } = await runView(path, hostTimelineView(new HostTimeline()));
    expect(text).toContain('[501] session: bash pid 501 on pts/7, user alice via sshd pid 500');
    expect(text).toContain('[501] $ insmod x.ko');
    expect(text).toContain('[501]   exec /sbin/insmod x.ko (pid 502)');
    expect(text).toContain('[501] !! module loaded: x (insmod pid 502)');
    expect(text).toContain('!! 3 tty events lost around here: the list has a gap');
    expect(text).toContain('[501]     output (bash pid 501): builtin out\\n');
  });
});
