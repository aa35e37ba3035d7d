// Program execution and binary loads (bpf/exec.bpf.c).
import { exec_event as E, event_kind as K, exec_flags as F, exec_source as SRC, secrec_caps as CAP } from '../layout.gen.js';
import { capped, cstr, exact, head, need, u64String, ShortRecord, type DecodeContext } from '../decode.js';
import { ExecSource } from '../../format/index.js';
import type { ProbeFamily } from './types.js';
import { ringRecord } from '../warmup.js';
import { tracepointExists } from '../host.js';

/** Splits a blob of NUL-ended arguments (the last one may be cut and unended), then applies the
 * recorder's count and per-argument limits. Empty arguments are kept, trailing ones included. */
export function splitArgs(blob: Buffer, ctx: DecodeContext) {
  const argv: Buffer[] = [];
  const truncatedArgs: number[] = [];
  let argsTruncated = false;
  let lastCut = false;
  let start = 0;
  while (start < blob.length) {
    let end = blob.indexOf(0, start);
    if (end < 0) { end = blob.length; lastCut = true; }
    if (argv.length >= ctx.maxArgs) { argsTruncated = true; break; }
    let arg = blob.subarray(start, end);
    if (arg.length > ctx.argBytes) { arg = arg.subarray(0, ctx.argBytes); truncatedArgs.push(argv.length); }
    else if (lastCut) truncatedArgs.push(argv.length);
    argv.push(Buffer.from(arg));
    start = end + 1;
  }
  return { argv, truncatedArgs, argsTruncated };
}

function bits(mask: bigint): number[] {
  const out: number[] = [];
  for (let i = 0; mask > 0n; i++, mask >>= 1n) if (mask & 1n) out.push(i);
  return out;
}

function nuls(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(0); i >= 0; i = b.indexOf(0, i + 1)) n++;
  return n;
}

export const exec: ProbeFamily = {
  name: 'exec',
  object: 'exec.bpf.o',
  lane: 'prio',
  autoload: (prog) => !prog.section.includes('execveat') || tracepointExists('syscalls', 'sys_enter_execveat'),
  samples: () => {
    const [file, mount, args] = ['/usr/bin/ls', '/', 'ls\0-la\0--color=auto\0/tmp\0'].map((t) => Buffer.from(t));
    const tail = Buffer.concat([file, file, mount, args]);
    return [ringRecord(E, K.EV_EXEC, {
      source: ['u16', SRC.EXEC_SRC_SCHED], filename_len: ['u16', file.length], interp_len: ['u16', file.length], mount_len: ['u16', mount.length],
      argc: ['u16', 4], args_len: ['u32', args.length], args_total: ['u32', args.length], ino: ['u64', 1234567], dev: ['u32', 2049],
    }, tail)];
  },
  decoders: {
    [K.EV_EXEC]: (buf, off, size, ctx) => {
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
      const rec = head(buf, off, ctx.clock);
      let p = off + E.$size;
      const take = (n: number) => { const b = Buffer.from(buf.subarray(p, p + n)); p += n; return b; };
      const filename = take(fl);
      const interp = take(il);
      const mount = take(ml);
      const blob = take(argsLen);
      const fromSched = source === SRC.EXEC_SRC_SCHED;
      const unreadable = buf.readBigUInt64LE(off + E.unreadable);
      const truncated = buf.readBigUInt64LE(off + E.truncated);
      if (!fromSched) {
        // the failed-exec path writes exactly argc NUL-ended entries
        if (nuls(blob) !== argc || (argsLen > 0 && blob[argsLen - 1] !== 0)) {
          throw new ShortRecord(`exec argv holds ${nuls(blob)} entries where the record says ${argc}`);
        }
      }
      const split = splitArgs(blob, ctx);
      const cutByKernel = (flags & F.EXEC_ARGS_TRUNC) !== 0 || (fromSched && argsTotal > argsLen);
      rec.exec = {
        filename, argv: split.argv, ret: buf.readInt32LE(off + E.ret),
        source: fromSched ? ExecSource.EXEC_SOURCE_SCHED : ExecSource.EXEC_SOURCE_SYS_EXIT,
        interp, mount, ino: u64String(buf, off + E.ino), dev: buf.readUInt32LE(off + E.dev),
        oldTid: buf.readUInt32LE(off + E.old_tid),
        unreadableArgs: fromSched ? ((flags & F.EXEC_ARGS_UNREADABLE) !== 0 ? [0] : []) : bits(unreadable),
        truncatedArgs: [...new Set([...split.truncatedArgs, ...bits(truncated)])].filter((i) => i < split.argv.length).sort((a, b) => a - b),
        argsTruncated: split.argsTruncated || cutByKernel || split.argv.length < argc,
        commBefore: cstr(buf, off + E.comm_before, 16),
        filenameTruncated: (flags & F.EXEC_FILENAME_TRUNC) !== 0,
        argc,
      };
      return { rec, kind: 'exec' };
    },
  },
};
