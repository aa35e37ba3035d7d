// Parity with the seed tools' layouts and options (../shared/PARITY.md), on captures built with
// the writer. Column layouts are checked against bcc's formats; whole outputs are golden.
import { describe, it, expect } from 'vitest';
import { writeCapture } from '../../helpers.js';
import { cli } from '../run-cli.js';
import type { RecordInit } from '../../../format/index.js';

const b = (s: string) => Buffer.from(s);
const S = 1e9;
const g = (name: string) => `../../golden/parity-${name}.txt`;
const DEV = (254 << 20) | 1;

function capture(): string {
  const recs: RecordInit[] = [
    { ts: 0.1 * S, pid: 10, tid: 10, ppid: 1, comm: b('bash'), fork: { childPid: 20, childTid: 20 } },
    // a script: the kernel loaded /bin/sh, whose argv names the script once
    { ts: 0.2 * S, pid: 20, tid: 20, ppid: 10, cpu: 3, comm: b('payload.sh'),
      exec: { filename: b('/tmp/x/payload.sh'), interp: b('/bin/sh'), argv: [b('/bin/sh'), b('/tmp/x/payload.sh'), b('a'), b('b')], ino: '555', dev: DEV, mount: b('/') } },
    { ts: 0.3 * S, pid: 21, tid: 21, ppid: 10, cpu: 1, comm: b('echo'),
      exec: { filename: b('/bin/echo'), interp: b('/bin/echo'), argv: [b('echo'), b('a\\b'), b('line1\nline2'), b('say "hi"')], ino: '777', dev: DEV, mount: b('/') } },
    { ts: 0.4 * S, pid: 22, tid: 22, ppid: 10, comm: b('x'),
      exec: { filename: b('/bin/x'), argv: [b('x'), b('LONG'), b(''), b('last')], unreadableArgs: [2], truncatedArgs: [1], argsTruncated: true, ino: '1', dev: DEV } },
    { ts: 0.5 * S, pid: 23, tid: 23, ppid: 10, comm: b('bash'), exec: { filename: b('/nope/tool'), argv: [b('tool')], ret: -2 } },
    { ts: 0.6 * S, pid: 24, tid: 24, ppid: 10, comm: b('bash'), exec: { filename: b('/tmp/bad.bin'), argv: [b('bad.bin')], ret: -8, ino: '999', dev: DEV } },
    { ts: 1.5 * S, pid: 30, tid: 31, comm: b('writer'), open: { path: b('/tmp/w'), flags: 0o101, mode: 0o644, ret: 3 } },
    { ts: 1.6 * S, pid: 30, tid: 30, comm: b('writer'), open: { path: b('/tmp/rw'), flags: 0o2, ret: 4 } },
    { ts: 1.7 * S, pid: 30, tid: 30, comm: b('writer'), open: { path: b('/tmp/ro'), flags: 0, ret: 5 } },
    { ts: 2.5 * S, pid: 40, tid: 40, comm: b('cat'), open: { path: b('very/long/na'), pathTruncated: true, dir: b('deep/er'), dirTruncated: true, dirfd: -100, flags: 0, ret: -13 } },
    { ts: 2.5 * S + 1000, pid: 40, tid: 40, comm: b('cat'), syscallError: { nr: 257, errno: 13 } },
    { ts: 2.6 * S, pid: 40, tid: 40, uid: 1000, comm: b('cat'), syscallError: { nr: 106, errno: 1 } },
  ];
  return writeCapture(recs).path;
}

describe('execsnoop', () => {
  it('columns as bcc: COMM PID [PCOMM] PPID RET ARGS, a script shown once, flags shown', async () => {
    const f = capture();
    const r = cli(['execs', f, '-x', '-M', '-C', '-U']);
    await expect(r.stdout).toMatchFileSnapshot(g('execs'));
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('UID    CPU COMM             PID     PCOMM            PPID    RET ARGS');
    // bcc: "%-16s %-7d %-7s %3d %s" for COMM PID PPID RET ARGS
    expect(lines[1]).toBe(`0      3   ${'payload.sh'.padEnd(16)} ${'20'.padEnd(7)} ${'bash'.padEnd(16)} ${'10'.padEnd(7)} ${'0'.padStart(3)} /tmp/x/payload.sh a b`);
    expect(r.stdout).toContain('/bin/echo a\\b line1\\nline2 say "hi"'); // backslash as is, newline as \n
    expect(r.stdout).toContain('/bin/x LONG[cut] [unreadable] last ...');
  });

  it('-q quotes, and -l still matches the unquoted arguments', () => {
    const f = capture();
    const q = cli(['execs', f, '-q', '-l', 'say "hi"']);
    expect(q.stdout.split('\n')[1]).toMatch(/ "\/bin\/echo" "a\\b" "line1\\nline2" "say \\"hi\\""$/);
    expect(q.stdout.trim().split('\n')).toHaveLength(2);
    const json = JSON.parse(cli(['execs', f, '--json', '-n', '^payload']).stdout);
    expect(json.argv_text).toEqual(['/bin/sh', '/tmp/x/payload.sh', 'a', 'b']);
    expect(json).toMatchObject({ filename_text: '/tmp/x/payload.sh', interp_text: '/bin/sh', ino: '555', ino_of: 'interpreter', cpu: 3, parent_comm_text: 'bash' });
    const cut = JSON.parse(cli(['execs', f, '--json', '-n', '^x$']).stdout);
    expect(cut).toMatchObject({ unreadable_args: [2], truncated_args: [1], args_truncated: true });
  });
});

describe('opensnoop', () => {
  it('-f flags are ORed, as bcc does', () => {
    const r = cli(['opens', capture(), '-f', 'O_WRONLY', '-f', 'O_RDWR']);
    expect(r.stdout).toContain('/tmp/w');
    expect(r.stdout).toContain('/tmp/rw');
    expect(r.stdout).not.toContain('/tmp/ro');
  });

  it('-T as %-14.9f, -t TID prints a TID column, -d SECS is a window from the start, truncation shown', async () => {
    const f = capture();
    const t = cli(['opens', f, '-T', '-e']);
    await expect(t.stdout).toMatchFileSnapshot(g('opens'));
    expect(t.stdout.split('\n')[0]).toBe('TIME(s)        PID    COMM               FD ERR FLAGS    MODE PATH');
    expect(t.stdout.split('\n')[1]).toBe('1.500000000    30     writer              3   0 00000101 0644 /tmp/w');
    const tid = cli(['opens', f, '-t', '31']).stdout.split('\n');
    expect(tid[0]).toMatch(/^TID +COMM/);
    expect(tid[1]).toMatch(/^31 +writer/);
    const d = cli(['opens', f, '-d', '2']);
    expect(d.stdout).toContain('/tmp/ro');
    expect(d.stdout).not.toContain('very/long');
    const full = cli(['opens', f, '-F', '-x', '--errname']).stdout;
    expect(full).toContain(' EACCES  …deep/er/very/long/na[cut]');
  });
});

describe('elfsnoop', () => {
  it('failed execs that never reached a loader only with -x; a script\'s inode is the interpreter\'s, and said', async () => {
    const f = capture();
    const r = cli(['elf', f]);
    await expect(r.stdout).toMatchFileSnapshot(g('elf'));
    expect(r.stdout).not.toContain('/nope/tool');
    expect(r.stdout).toContain('/tmp/bad.bin'); // failed, but the loader saw the file
    expect(r.stdout).toMatch(/\/bin\/sh +\/tmp\/x\/payload\.sh +\/ +254:1 +555\* +0/);
    expect(r.stderr).toMatch(/1 script exec\(s\) marked \*: DEV and INODE are of the interpreter/);
    expect(cli(['elf', f, '-x']).stdout).toContain('/nope/tool');
  });
});

describe('eperm', () => {
  it('--list: who, when, which syscall, and the path of a denied open; --sys-prefix names', async () => {
    const f = capture();
    const l = cli(['eperm', f, '--list']);
    await expect(l.stdout).toMatchFileSnapshot(g('eperm-list'));
    expect(l.stdout).toMatch(/ 40 +40 +root +cat +EACCES openat +very\/long\/na\[cut\]/);
    expect(l.stdout).toMatch(/ alice +cat +EPERM +setgid +-/);
    expect(cli(['eperm', f, '--sys-prefix']).stdout).toContain('@EACCES[cat, sys_openat]: 1');
    const j = cli(['eperm', f, '--list', '--json']).stdout.trim().split('\n').map((x) => JSON.parse(x));
    expect(j[0]).toMatchObject({ pid: 40, tid: 40, syscall: 'openat', errno: 13, errno_name: 'EACCES', abi: 'native', path_text: 'very/long/na', path_truncated: true, user: 'root' });
  });
});

describe('ttysnoop', () => {
  it('takes pts0 and -C', () => {
    const a = cli(['tty', 'fixtures/incident.cap', 'pts0', '-C', '--escape']);
    expect(a.code).toBe(0);
    expect(a.stdout).toContain('ALERT');
    expect(a.stdout).toBe(cli(['fixtures/incident.cap', '--tty', '/dev/pts/0', '--escape']).stdout);
  });
});
