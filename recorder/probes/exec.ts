// Program execution and binary loads (bpf/exec.bpf.c).
import { exec_event as E, event_kind as K, exec_flags as F, exec_source as SRC, secrec_caps as CAP } from '../layout.gen.js';
import { capped, exact, head, need, u64String, ShortRecord, type DecodeContext } from '../decode.js';
import { BODY_TAG } from '../encode.js';
import { lfield, varintSize, vfield, zigzag, WT_LEN, type FrameBuffer } from '../wire.js';
import { ExecSource } from '../../format/index.js';
import type { ProbeFamily } from './types.js';
import { ringRecord } from '../warmup.js';
import { tracepointExists } from '../host.js';

/** Where each argument of a blob of NUL-ended arguments lies in buf[start, end) (the last one may
 * be cut and unended), after the recorder's count and per-argument limits. Empty arguments are
 * kept, trailing ones included. */
export function argRanges(buf: Buffer, start: number, end: number, ctx: DecodeContext) {
  const starts: number[] = [];
  const ends: number[] = [];
  const truncatedArgs: number[] = [];
  let argsTruncated = false;
  let lastCut = false;
  while (start < end) {
    let stop = buf.indexOf(0, start);
    if (stop < 0 || stop >= end) { stop = end; lastCut = true; }
    if (starts.length >= ctx.maxArgs) { argsTruncated = true; break; }
    if (stop - start > ctx.argBytes) { truncatedArgs.push(starts.length); starts.push(start); ends.push(start + ctx.argBytes); }
    else {
      if (lastCut) truncatedArgs.push(starts.length);
      starts.push(start); ends.push(stop);
    }
    start = stop + 1;
  }
  return { starts, ends, truncatedArgs, argsTruncated };
}

function bits(mask: bigint): number[] {
  const out: number[] = [];
  for (let i = 0; mask > 0n; i++, mask >>= 1n) if (mask & 1n) out.push(i);
  return out;
}

function nuls(buf: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = buf.indexOf(0, start); i >= 0 && i < end; i = buf.indexOf(0, i + 1)) n++;
  return n;
}

/** End of the C string at [off, off + max). */
function cend(buf: Buffer, off: number, max: number): number {
  const e = buf.indexOf(0, off);
  return e < 0 || e > off + max ? off + max : e;
}

/** An exec record checked and taken apart, as offsets into the ring view: what the reference
 * decoder and the wire encoder share. Throws ShortRecord on a malformed record. */
function parseExec(buf: Buffer, off: number, size: number, ctx: DecodeContext) {
  need(size, E.$size, 'exec');
  const flags = buf.readUInt16LE(off + E.eflags);
  const fl = capped(buf.readUInt16LE(off + E.filename_len), CAP.PATH_CAP - 1, 'exec filename');
  const il = capped(buf.readUInt16LE(off + E.interp_len), CAP.PATH_CAP - 1, 'exec interpreter');
  const ml = capped(buf.readUInt16LE(off + E.mount_len), CAP.MOUNT_CAP - 1, 'exec mount');
  const argsLen = capped(buf.readUInt32LE(off + E.args_len), CAP.ARGS_CAP, 'exec argv');
  const argsTotal = buf.readUInt32LE(off + E.args_total);
  const argc = buf.readUInt16LE(off + E.argc);
  const source = buf.readUInt16LE(off + E.source);
  if (source !== SRC.EXEC_SRC_SCHED && source !== SRC.EXEC_SRC_SYS_EXIT) throw new ShortRecord(`exec source ${source} is unknown`);
  exact(size, E.$size + fl + il + ml + argsLen, 'exec');
  const file = off + E.$size;
  const interp = file + fl;
  const mount = interp + il;
  const args = mount + ml;
  const fromSched = source === SRC.EXEC_SRC_SCHED;
  if (!fromSched) {
    // the failed-exec path writes exactly argc NUL-ended entries
    const n = nuls(buf, args, args + argsLen);
    if (n !== argc || (argsLen > 0 && buf[args + argsLen - 1] !== 0)) throw new ShortRecord(`exec argv holds ${n} entries where the record says ${argc}`);
  }
  const split = argRanges(buf, args, args + argsLen, ctx);
  const kept = split.starts.length;
  const truncated = buf.readBigUInt64LE(off + E.truncated);
  const cutByKernel = (flags & F.EXEC_ARGS_TRUNC) !== 0 || (fromSched && argsTotal > argsLen);
  return {
    file, interp, mount, fl, il, ml, argc, split,
    ret: buf.readInt32LE(off + E.ret),
    source: fromSched ? ExecSource.EXEC_SOURCE_SCHED : ExecSource.EXEC_SOURCE_SYS_EXIT,
    ino: u64String(buf, off + E.ino),
    dev: buf.readUInt32LE(off + E.dev),
    oldTid: buf.readUInt32LE(off + E.old_tid),
    unreadableArgs: fromSched ? ((flags & F.EXEC_ARGS_UNREADABLE) !== 0 ? [0] : []) : bits(buf.readBigUInt64LE(off + E.unreadable)),
    truncatedArgs: truncated === 0n ? split.truncatedArgs
      : [...new Set([...split.truncatedArgs, ...bits(truncated)])].filter((i) => i < kept).sort((a, b) => a - b),
    argsTruncated: split.argsTruncated || cutByKernel || kept < argc,
    commBefore: off + E.comm_before,
    commBeforeEnd: cend(buf, off + E.comm_before, 16),
    filenameTruncated: (flags & F.EXEC_FILENAME_TRUNC) !== 0,
  };
}

/** Size of a packed repeated uint32 field (tag < 16), 0 when empty. */
function packedSize(vs: number[]): number {
  if (vs.length === 0) return 0;
  let n = 0;
  for (const v of vs) n += varintSize(v);
  return 1 + varintSize(n) + n;
}

function packed(o: FrameBuffer, tag: number, vs: number[]): void {
  if (vs.length === 0) return;
  let n = 0;
  for (const v of vs) n += varintSize(v);
  o.byte((tag << 3) | WT_LEN);
  o.varint(n);
  for (const v of vs) o.varint(v);
}

export const exec: ProbeFamily = {
  name: 'exec',
  object: 'exec.bpf.o',
  lane: 'prio',
  autoload: (prog) => !prog.section.includes('execveat') || tracepointExists('syscalls', 'sys_enter_execveat'),
  samples: () => {
    const [file, mount, args] = ['/usr/bin/ls', '/', 'ls\0-la\0--color=auto\0/tmp\0'].map((t) => Buffer.from(t));
    const tail = Buffer.concat([file, file, mount, args]);
    const missing = Buffer.from('/tmp/missing'), margs = Buffer.from('missing\0-x\0');
    return [ringRecord(E, K.EV_EXEC, {
      source: ['u16', SRC.EXEC_SRC_SCHED], filename_len: ['u16', file.length], interp_len: ['u16', file.length], mount_len: ['u16', mount.length],
      argc: ['u16', 4], args_len: ['u32', args.length], args_total: ['u32', args.length], ino: ['u64', 1234567], dev: ['u32', 2049],
    }, tail), ringRecord(E, K.EV_EXEC, {
      source: ['u16', SRC.EXEC_SRC_SYS_EXIT], ret: ['s32', -2], filename_len: ['u16', missing.length], argc: ['u16', 2], args_len: ['u32', margs.length],
    }, Buffer.concat([missing, margs]))];
  },
  decoders: {
    [K.EV_EXEC]: (buf, off, size, ctx) => {
      const x = parseExec(buf, off, size, ctx);
      const rec = head(buf, off, ctx.clock);
      const copy = (from: number, to: number) => Buffer.from(buf.subarray(from, to));
      rec.exec = {
        filename: copy(x.file, x.file + x.fl), argv: x.split.starts.map((st, i) => copy(st, x.split.ends[i]!)), ret: x.ret,
        source: x.source, interp: copy(x.interp, x.interp + x.il), mount: copy(x.mount, x.mount + x.ml), ino: x.ino, dev: x.dev,
        oldTid: x.oldTid, unreadableArgs: x.unreadableArgs, truncatedArgs: x.truncatedArgs, argsTruncated: x.argsTruncated,
        commBefore: copy(x.commBefore, x.commBeforeEnd), filenameTruncated: x.filenameTruncated, argc: x.argc,
      };
      return { rec, kind: 'exec' };
    },
  },
  encoders: {
    [K.EV_EXEC]: (buf, off, size, enc) => {
      enc.head(buf, off, size, E.$size, 'exec');
      const x = parseExec(buf, off, size, enc.ctx);
      const { starts, ends } = x.split;
      let argv = 0;
      for (let i = 0; i < starts.length; i++) { const n = ends[i]! - starts[i]!; argv += 1 + varintSize(n) + n; }
      const ret = zigzag(x.ret);
      const commBefore = x.commBeforeEnd - x.commBefore;
      const fnTrunc = x.filenameTruncated ? 1 : 0;
      const argsTrunc = x.argsTruncated ? 1 : 0;
      enc.begin('exec', BODY_TAG.exec, lfield(x.fl) + argv + vfield(ret) + vfield(x.source) + lfield(x.il) + lfield(x.ml) +
        lfield(x.ino.length) + vfield(x.dev) + vfield(x.oldTid) + packedSize(x.unreadableArgs) + packedSize(x.truncatedArgs) +
        vfield(argsTrunc) + lfield(commBefore) + vfield(fnTrunc) + vfield(x.argc));
      const o = enc.out;
      o.lf(1, buf, x.file, x.file + x.fl);
      // repeated: every argument is written, the empty ones too
      for (let i = 0; i < starts.length; i++) {
        o.byte((2 << 3) | WT_LEN);
        o.varint(ends[i]! - starts[i]!);
        o.copy(buf, starts[i]!, ends[i]!);
      }
      o.vf(3, ret);
      o.vf(4, x.source);
      o.lf(5, buf, x.interp, x.interp + x.il);
      o.lf(6, buf, x.mount, x.mount + x.ml);
      o.text(7, x.ino);
      o.vf(8, x.dev);
      o.vf(9, x.oldTid);
      packed(o, 10, x.unreadableArgs);
      packed(o, 11, x.truncatedArgs);
      o.vf(12, argsTrunc);
      o.lf(13, buf, x.commBefore, x.commBeforeEnd);
      o.vf(14, fnTrunc);
      o.vf(15, x.argc);
    },
  },
};
