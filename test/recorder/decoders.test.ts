// Every probe decoder on synthetic ring records laid out by the generated offsets (no root): the
// fields it reads, its flag bits and caps, and a record whose sizes do not add up, which must come
// out as a Malformed record (with the bytes and why) rather than a half-decoded one.
import { describe, it, expect } from 'vitest';
import * as L from '../../recorder/layout.gen.js';
import type { CaptureRecord } from '../../format/index.js';
import { K, plain, reference, ring, transcode } from './records.js';

const CAP = L.secrec_caps;
const z = (s: string) => Buffer.from(`${s}\0`);
const txt = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('latin1');

/** One record through the transcoder (the fast encoder where the kind has one): the capture
 * record it became, which the family's reference decoder must give too. */
function one(r: Buffer): CaptureRecord {
  const { out } = transcode([r]);
  expect(out).toHaveLength(1);
  if (out[0]!.body !== 'malformed') expect(plain(out[0]!)).toEqual(plain(reference(r)));
  return out[0]!;
}

/** The record is kept as Malformed, whole, with a reason matching `why`. */
function malformed(r: Buffer, why: RegExp): void {
  const m = one(r);
  expect(m.body).toBe('malformed');
  expect(m.malformed!.reason).toMatch(why);
  expect(m.malformed!.size).toBe(r.length);
  expect(Buffer.from(m.malformed!.raw!)).toEqual(r.subarray(0, CAP.MALFORMED_KEEP));
  expect(m.pid).toBe(100);
}

/** The record with its head's size field and the ring's size both changed by `by` bytes. */
function resized(r: Buffer, by: number): Buffer {
  const b = by > 0 ? Buffer.concat([r, Buffer.alloc(by)]) : Buffer.from(r.subarray(0, r.length + by));
  b.writeUInt32LE(b.length, L.event_head.size);
  return b;
}

describe('record head', () => {
  it('decodes the common fields of every kind', () => {
    const r = one(ring(L.fork_event, K.EV_FORK));
    expect({ ts: r.ts, pid: r.pid, tid: r.tid, ppid: r.ppid, uid: r.uid, gid: r.gid, cgroup: r.cgroup, comm: txt(r.comm) })
      .toEqual({ ts: 1e9, pid: 100, tid: 101, ppid: 1, uid: 1000, gid: 1000, cgroup: 77, comm: 'bash' });
  });

  it('keeps a record shorter than a head, one whose head lies about its size, and an unknown kind', () => {
    const { out } = transcode([Buffer.alloc(10, 1)]);
    expect(out[0]!.malformed!.reason).toMatch(/shorter than its head/);
    const lying = ring(L.fork_event, K.EV_FORK);
    lying.writeUInt32LE(lying.length + 8, L.event_head.size);
    malformed(lying, /record says \d+ bytes but the ring holds/);
    malformed(ring(L.fork_event, 200), /unknown record kind 200/);
  });
});

describe('proc decoders', () => {
  it('fork: child pid and tid, thread flag; any other size is malformed', () => {
    const r = one(ring(L.fork_event, K.EV_FORK, { child_pid: ['u32', 4242], child_tid: ['u32', 4243], thread: ['u32', 1] }));
    expect(r.fork).toMatchObject({ childPid: 4242, childTid: 4243, thread: true });
    malformed(resized(ring(L.fork_event, K.EV_FORK), 8), /fork record of \d+ bytes/);
    malformed(resized(ring(L.fork_event, K.EV_FORK), -4), /fork record of \d+ bytes/);
  });

  it('exit: status, signal and core bits; a start before the capture is negative', () => {
    const r = one(ring(L.exit_event, K.EV_EXIT, { exit_code: ['s32', (3 << 8) | 0x80 | 9], start_ns: ['u64', 2_000_000_000n] }));
    expect(r.exit).toMatchObject({ code: 3, signal: 9, coreDumped: true, start: -3e9 });
    malformed(resized(ring(L.exit_event, K.EV_EXIT), 8), /exit record of \d+ bytes/);
  });
});

describe('exec decoder', () => {
  const E = L.exec_event;
  const make = (o: { fn?: string; interp?: string; mount?: string; args?: string[]; total?: number; eflags?: number; source?: number; argc?: number } = {}) => {
    const fn = Buffer.from(o.fn ?? '/bin/ls'); const interp = Buffer.from(o.interp ?? '/bin/ls'); const mount = Buffer.from(o.mount ?? '/');
    const args = Buffer.concat((o.args ?? ['ls', '-l']).map(z));
    return ring(E, K.EV_EXEC, {
      filename_len: ['u16', fn.length], interp_len: ['u16', interp.length], mount_len: ['u16', mount.length], args_len: ['u32', args.length],
      args_total: ['u32', o.total ?? args.length], argc: ['u16', o.argc ?? (o.args ?? ['ls', '-l']).length], eflags: ['u16', o.eflags ?? 0],
      source: ['u16', o.source ?? L.exec_source.EXEC_SRC_SCHED], ino: ['u64', 2n ** 60n], dev: ['u32', 8], old_tid: ['u32', 102],
    }, Buffer.concat([fn, interp, mount, args]));
  };

  it('reads the tail in order: filename, interpreter, mount, NUL-separated argv', () => {
    const r = one(make({ fn: './x.sh', interp: '/bin/sh', mount: 'home', args: ['x.sh', '', 'a b'] }));
    expect([txt(r.exec!.filename), txt(r.exec!.interp), txt(r.exec!.mount)]).toEqual(['./x.sh', '/bin/sh', 'home']);
    expect(r.exec!.argv!.map(txt)).toEqual(['x.sh', '', 'a b']);
    expect(r.exec).toMatchObject({ ino: String(2n ** 60n), dev: 8, oldTid: 102, argc: 3, argsTruncated: false, filenameTruncated: false });
  });

  it('flags: filename cut, argv cut by the kernel, unreadable argv', () => {
    expect(one(make({ eflags: L.exec_flags.EXEC_FILENAME_TRUNC })).exec!.filenameTruncated).toBe(true);
    expect(one(make({ total: 99 })).exec!.argsTruncated).toBe(true);
    expect(one(make({ eflags: L.exec_flags.EXEC_ARGS_TRUNC })).exec!.argsTruncated).toBe(true);
    expect(one(make({ eflags: L.exec_flags.EXEC_ARGS_UNREADABLE })).exec!.unreadableArgs).toEqual([0]);
  });

  it('keeps the recorder\'s argument count limit', () => {
    const r = one(make({ args: Array.from({ length: 25 }, (_, i) => `a${i}`) }));
    expect(r.exec!.argv).toHaveLength(20);
    expect(r.exec!.argsTruncated).toBe(true);
  });

  it('malformed: lengths that do not add up, a length past its cap, an unknown source, a failed exec whose argc lies', () => {
    malformed(resized(make(), 1), /exec record of \d+ bytes, but its lengths add up to/);
    const over = make(); over.writeUInt16LE(CAP.PATH_CAP, E.filename_len);
    malformed(over, /exec filename of 4096 bytes exceeds its cap/);
    malformed(make({ source: 7 }), /exec source 7 is unknown/);
    malformed(make({ source: L.exec_source.EXEC_SRC_SYS_EXIT, argc: 5 }), /exec argv holds 2 entries where the record says 5/);
  });
});

describe('open decoder', () => {
  const O = L.open_event;
  const make = (path: string, dir: string[], oflags = 0) => {
    const p = Buffer.from(path); const d = Buffer.concat(dir.map(z));
    return ring(O, K.EV_OPEN, { ret: ['s32', -13], dirfd: ['s32', -100], flags: ['u32', 0o101], mode: ['u32', 0o644], resolve: ['u64', 4],
      call: ['u16', L.open_call.OPEN_CALL_OPENAT2], oflags: ['u16', oflags], path_len: ['u16', p.length], dir_len: ['u16', d.length] }, Buffer.concat([p, d]));
  };

  it('joins the directory components (leaf first in the record) into a path', () => {
    const r = one(make('shadow', ['etc']));
    expect(r.open).toMatchObject({ ret: -13, dirfd: -100, flags: 0o101, mode: 0o644, resolve: 4, call: 2, pathTruncated: false, dirTruncated: false });
    expect([txt(r.open!.path), txt(r.open!.dir)]).toEqual(['shadow', '/etc']);
    expect(txt(one(make('f', ['c', 'b', 'a'])).open!.dir)).toBe('/a/b/c');
  });

  it('flags: a cut path; a directory deeper than the walk has no leading slash', () => {
    const r = one(make('x', ['c', 'b'], L.open_oflags.OPEN_PATH_TRUNC | L.open_oflags.OPEN_DIR_TRUNC));
    expect(r.open).toMatchObject({ pathTruncated: true, dirTruncated: true });
    expect(txt(r.open!.dir)).toBe('b/c');
  });

  it('malformed: a short record, a length past its cap, a component without its NUL', () => {
    malformed(resized(make('abc', []), -1), /open record of \d+ bytes, but its lengths add up to/);
    const over = make('a', []); over.writeUInt16LE(CAP.PATH_CAP, O.path_len);
    malformed(over, /open path of 4096 bytes exceeds its cap/);
    const unended = make('a', ['etc']); unended[unended.length - 1] = 0x41;
    malformed(unended, /not NUL-terminated/);
  });
});

describe('tty decoder', () => {
  const T = L.tty_event;
  const make = (data: Buffer, tflags = 0, len = data.length) => ring(T, K.EV_TTY, { rdev: ['u32', (136 << 20) | 3], fd: ['u32', 1], len: ['u64', len],
    data_len: ['u32', data.length], call: ['u16', L.write_call.WRITE_CALL_WRITEV], is_tty: ['u16', 1], rows: ['u16', 24], cols: ['u16', 80], tflags: ['u16', tflags] }, data);

  it('data, size, winsize and the cut flag', () => {
    const r = one(make(Buffer.from('hi\x1b[1m'), L.tty_flags.TTY_CUT, 1 << 20));
    expect(r.ttyWrite).toMatchObject({ rdev: (136 << 20) | 3, fd: 1, len: 1 << 20, call: 1, isTty: true, rows: 24, cols: 80, cut: true });
    expect(txt(r.ttyWrite!.data)).toBe('hi\x1b[1m');
    expect(one(make(Buffer.from('x'))).ttyWrite!.cut).toBe(false);
  });

  it('malformed: data past WRITE_CAP, lengths that do not add up', () => {
    const over = make(Buffer.from('x')); over.writeUInt32LE(CAP.WRITE_CAP + 1, T.data_len);
    malformed(over, /tty data of \d+ bytes exceeds its cap/);
    malformed(resized(make(Buffer.from('abc')), 2), /tty record of \d+ bytes, but its lengths add up to/);
  });
});

describe('readline, module and syscall error decoders', () => {
  it('readline: the line and its truncated flag; a line past its cap is malformed', () => {
    const line = Buffer.from('sudo -i');
    const r = one(ring(L.readline_event, K.EV_READLINE, { line_len: ['u32', line.length], truncated: ['u32', 1] }, line));
    expect([txt(r.readline!.line), r.readline!.truncated]).toEqual(['sudo -i', true]);
    malformed(ring(L.readline_event, K.EV_READLINE, { line_len: ['u32', CAP.READLINE_CAP] }), /readline line of \d+ bytes exceeds its cap/);
    malformed(ring(L.readline_event, K.EV_READLINE, { line_len: ['u32', 3] }, Buffer.from('ab')), /readline record of \d+ bytes, but its lengths add up to/);
  });

  it('module: name and taints; a name past its cap is malformed', () => {
    const r = one(ring(L.module_event, K.EV_MODULE, { taints: ['u32', 4096], name_len: ['u32', 7] }, Buffer.from('rootkit')));
    expect([txt(r.moduleLoad!.name), r.moduleLoad!.taints]).toEqual(['rootkit', 4096]);
    malformed(ring(L.module_event, K.EV_MODULE, { name_len: ['u32', CAP.MODULE_NAME_CAP] }), /module name of \d+ bytes exceeds its cap/);
  });

  it('syscall error: number, positive errno, compat ABI; any other size is malformed', () => {
    const r = one(ring(L.syscall_error_event, K.EV_SYSCALL_ERROR, { nr: ['u32', 257], ret: ['s32', -13], compat: ['u32', 1] }));
    expect(r.syscallError).toMatchObject({ nr: 257, errno: 13, abi: 1 });
    expect(one(ring(L.syscall_error_event, K.EV_SYSCALL_ERROR, { ret: ['s32', -1] })).syscallError).toMatchObject({ errno: 1, abi: 0 });
    malformed(resized(ring(L.syscall_error_event, K.EV_SYSCALL_ERROR), 8), /syscall error record of \d+ bytes/);
  });
});

describe('cred decoder', () => {
  const C = L.cred_event;
  const ids = (p: string, v: number[]): { [f: string]: ['u32', number] } =>
    Object.fromEntries(['uid', 'euid', 'suid', 'fsuid', 'gid', 'egid', 'sgid', 'fsgid'].map((f, i) => [`${p}${f}`, ['u32', v[i]!]]));

  it('the call and every id before and after', () => {
    const r = one(ring(C, K.EV_CRED, { ...ids('old_', [1000, 1001, 1002, 1003, 100, 101, 102, 103]), ...ids('', [0, 1, 2, 3, 10, 11, 12, 13]), call: ['u16', L.cred_call.CRED_CALL_SETRESUID] }));
    expect(r.cred).toMatchObject({
      call: 4, oldUid: 1000, oldEuid: 1001, oldSuid: 1002, oldFsuid: 1003, oldGid: 100, oldEgid: 101, oldSgid: 102, oldFsgid: 103,
      uid: 0, euid: 1, suid: 2, fsuid: 3, gid: 10, egid: 11, sgid: 12, fsgid: 13,
    });
  });

  it('malformed: another size, an unknown call', () => {
    malformed(resized(ring(C, K.EV_CRED), 8), /cred record of \d+ bytes/);
    malformed(resized(ring(C, K.EV_CRED), -4), /cred record of \d+ bytes/);
    malformed(ring(C, K.EV_CRED, { call: ['u16', 8] }), /cred call 8 is unknown/);
  });
});
