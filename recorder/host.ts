// The recorded host: identity, clocks, users, tracefs, and the process snapshot from /proc.
import { existsSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import os from 'node:os';
import koffi from 'koffi';
import type { Header, RecordInit } from '../format/index.js';

const libc = koffi.load('libc.so.6');
const Timespec = koffi.struct('secrec_timespec', { tv_sec: 'int64_t', tv_nsec: 'long' });
const clock_gettime = libc.func('int clock_gettime(int clk, _Out_ secrec_timespec *ts)');
const mount = libc.func('int mount(const char *src, const char *target, const char *fstype, unsigned long flags, const void *data)');
const umount2 = libc.func('int umount2(const char *target, int flags)');
const sysconf = libc.func('long sysconf(int name)');
void Timespec;

const CLOCK_REALTIME = 0;
const CLOCK_MONOTONIC = 1;
const SC_CLK_TCK = 2;
const SC_PAGESIZE = 30;

export interface ClockPair { monoNs: bigint; wallSec: number; wallNsec: number }

function now(clk: number): bigint {
  const ts = { tv_sec: 0, tv_nsec: 0 };
  clock_gettime(clk, ts);
  return BigInt(ts.tv_sec) * 1_000_000_000n + BigInt(ts.tv_nsec);
}

/** CLOCK_MONOTONIC and the CLOCK_REALTIME read around it (midpoint of two reads). */
export function readClocks(): ClockPair {
  const w1 = now(CLOCK_REALTIME);
  const m = now(CLOCK_MONOTONIC);
  const w2 = now(CLOCK_REALTIME);
  const w = (w1 + w2) / 2n;
  return { monoNs: m, wallSec: Number(w / 1_000_000_000n), wallNsec: Number(w % 1_000_000_000n) };
}

export function monoNow(): bigint { return now(CLOCK_MONOTONIC); }

const TRACEFS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

export function tracefsRoot(): string | null {
  return TRACEFS.find((d) => existsSync(`${d}/events`)) ?? null;
}

export function tracepointExists(category: string, name: string): boolean {
  const root = tracefsRoot();
  return root !== null && existsSync(`${root}/events/${category}/${name}`);
}

/** Mounts tracefs when no mount is present (libbpf needs it for tracepoint ids). Returns the
 * mount point to unmount at the end, or null when it was already there. */
export function ensureTracefs(): string | null {
  if (tracefsRoot()) return null;
  if (mount('nodev', TRACEFS[0], 'tracefs', 0, null) !== 0) {
    throw new Error(`tracefs is not mounted and mounting it on ${TRACEFS[0]} failed (errno ${koffi.errno()}): mount -t tracefs nodev ${TRACEFS[0]}`);
  }
  return TRACEFS[0]!;
}

export function unmountTracefs(path: string): void { umount2(path, 2 /* MNT_DETACH */); }

const read = (p: string): string => { try { return readFileSync(p, 'utf8'); } catch { return ''; } };

export function users(): { uid: number; name: string }[] {
  return read('/etc/passwd').split('\n').flatMap((line) => {
    const f = line.split(':');
    return f.length >= 3 && /^\d+$/.test(f[2]!) ? [{ uid: Number(f[2]), name: f[0]! }] : [];
  });
}

function timezone(): { name: string; offsetSec: number } {
  let name = Intl.DateTimeFormat().resolvedOptions().timeZone ?? '';
  const etc = read('/etc/timezone').trim();
  if (!process.env['TZ'] && etc) name = etc;
  return { name, offsetSec: -new Date().getTimezoneOffset() * 60 };
}

export function hostHeader(clocks: ClockPair): Header {
  const tz = timezone();
  const btime = /^btime (\d+)$/m.exec(read('/proc/stat'));
  return {
    hostname: os.hostname(),
    kernelRelease: os.release(),
    kernelVersion: os.version(),
    arch: os.machine(),
    bootId: read('/proc/sys/kernel/random/boot_id').trim(),
    machineId: read('/etc/machine-id').trim(),
    startMonoSec: Number(clocks.monoNs / 1_000_000_000n),
    startMonoNsec: Number(clocks.monoNs % 1_000_000_000n),
    startWallSec: clocks.wallSec,
    startWallNsec: clocks.wallNsec,
    timezone: tz.name,
    utcOffsetSec: tz.offsetSec,
    users: users(),
    pageSize: Number(sysconf(SC_PAGESIZE)),
    bootTimeSec: btime ? Number(btime[1]) : 0,
    recorderPid: process.pid,
  };
}

/** glibc dev_t (as stat returns it) → the kernel's internal encoding (major << 20 | minor). */
export function kernelDev(dev: number | bigint): number {
  const d = BigInt(dev);
  const major = Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn));
  const minor = Number((d & 0xffn) | ((d >> 12n) & ~0xffn));
  return ((major << 20) | minor) >>> 0;
}

/** /proc/PID/stat tty_nr (new_encode_dev) → kernel encoding. */
function ttyDev(nr: number): number {
  const major = (nr >> 8) & 0xfff;
  const minor = (nr & 0xff) | ((nr >> 12) & 0xfff00);
  return ((major << 20) | minor) >>> 0;
}

/** One ProcessSnapshot record per process alive now. startMonoNs: the capture's time zero. */
export function* processSnapshot(startMonoNs: bigint, selfPid: number): Generator<RecordInit> {
  const hz = Number(sysconf(SC_CLK_TCK)) || 100;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === selfPid) continue;
    const base = `/proc/${name}`;
    const stat = read(`${base}/stat`);
    const close = stat.lastIndexOf(')');
    if (close < 0) continue; // gone
    const fields = stat.slice(close + 2).split(' ');
    const status = read(`${base}/status`);
    const uid = /^Uid:\s+(\d+)/m.exec(status);
    const gid = /^Gid:\s+(\d+)/m.exec(status);
    const readBytes = (p: string): Buffer => { try { return readFileSync(p); } catch { return Buffer.alloc(0); } };
    const link = (p: string): Buffer => { try { return readlinkSync(p, { encoding: 'buffer' }); } catch { return Buffer.alloc(0); } };
    const cmdline = readBytes(`${base}/cmdline`);
    const argv: Buffer[] = [];
    for (let s = 0; s < cmdline.length;) {
      let e = cmdline.indexOf(0, s);
      if (e < 0) e = cmdline.length;
      argv.push(cmdline.subarray(s, e));
      s = e + 1;
    }
    let exeIno = '';
    let exeDev = 0;
    try { const st = statSync(`${base}/exe`, { bigint: true }); exeIno = st.ino.toString(); exeDev = kernelDev(st.dev); } catch { /* kernel thread or gone */ }
    const startTicks = BigInt(fields[19] ?? '0');
    const startNs = startTicks * 1_000_000_000n / BigInt(hz);
    yield {
      ts: 0,
      pid,
      tid: pid,
      ppid: Number(fields[1] ?? 0),
      uid: uid ? Number(uid[1]) : 0,
      gid: gid ? Number(gid[1]) : 0,
      comm: stripNl(readBytes(`${base}/comm`)),
      process: {
        exe: link(`${base}/exe`),
        argv,
        start: Number(startNs - startMonoNs),
        ttyRdev: ttyDev(Number(fields[4] ?? 0)),
        cwd: link(`${base}/cwd`),
        exeIno,
        exeDev,
      },
    };
  }
}

function stripNl(b: Buffer): Buffer {
  return b.length && b[b.length - 1] === 10 ? b.subarray(0, b.length - 1) : b;
}
