// Synthetic event streams for the benchmarks: a mix shaped like a busy host.
import type { BodyKind, RecordInit } from '../format/index.js';

const COMMS = ['bash', 'cat', 'sshd', 'python3', 'nginx', 'cron', 'curl', 'sh'].map((s) => Buffer.from(s));
const PATHS = ['/etc/passwd', '/etc/ld.so.cache', '/usr/lib/x86_64-linux-gnu/libc.so.6', '/proc/self/stat', '/tmp/x'].map((s) => Buffer.from(s));

export function* mixed(n: number): Generator<[RecordInit, BodyKind]> {
  let ts = 0;
  let pid = 1000;
  for (let i = 0; i < n; i++) {
    ts += 1000 + (i * 7919) % 5000;
    const k = i % 200 < 197 ? i % 17 : 17 + (i % 200) - 197; // forks, execs and exits: 1.5% of events
    const c = COMMS[i % COMMS.length]!;
    const base = { ts, pid: pid + (i % 50), tid: pid + (i % 50), uid: i % 3 ? 0 : 1000, comm: c, ppid: 1, cpu: i & 1 };
    if (k < 9) yield [{ ...base, open: { path: PATHS[i % PATHS.length]!, ret: i % 4 ? 3 : -13, flags: 0o2000000, dirfd: -100 } }, 'open'];
    else if (k < 15) yield [{ ...base, syscallError: { nr: [257, 105, 101][i % 3]!, errno: i % 2 ? 13 : 1 } }, 'syscallError'];
    else if (k < 17) yield [{ ...base, ttyWrite: { rdev: 136 << 20, fd: 1, data: Buffer.from(`line ${i} of output\r\n`), len: 20, isTty: true } }, 'ttyWrite'];
    else if (k === 17) { pid++; yield [{ ...base, fork: { childPid: pid + 50, childTid: pid + 50 } }, 'fork']; }
    else if (k === 18) yield [{ ...base, exec: { filename: Buffer.from('/usr/bin/curl'), argv: [Buffer.from('curl'), Buffer.from('-s'), Buffer.from(`http://10.0.0.${i % 255}/x`)], ino: '260131', dev: 266338304, interp: Buffer.from('/usr/bin/curl'), mount: Buffer.from('/') } }, 'exec'];
    else yield [{ ...base, exit: { code: 0, start: ts - 5000 } }, 'exit'];
  }
}

export function* syscallErrors(n: number): Generator<[RecordInit, BodyKind]> {
  let ts = 0;
  const comm = Buffer.from('cat');
  for (let i = 0; i < n; i++) {
    ts += 2000 + (i % 3) * 17;
    yield [{ ts, pid: 4242, tid: 4242, uid: 65534, gid: 65534, comm, ppid: 4200, cpu: i & 1, cgroup: 1, syscallError: { nr: 257, errno: 13 } }, 'syscallError'];
  }
}
