// Program execution and binary loads (bpf/exec.bpf.c).
import { exec_event as E } from '../layout.gen.js';
import { cstr, head, need, u64String, type DecodeContext } from '../decode.js';
import { ExecSource } from '../../format/index.js';
import type { ProbeFamily } from './types.js';
import { tracepointExists } from '../host.js';

const ARGS_TRUNC = 1;
const FILENAME_TRUNC = 2;

/** Splits a NUL-separated argv blob, applying the count and per-argument limits. */
export function splitArgs(blob: Buffer, ctx: DecodeContext, cutAtEnd: boolean) {
  const argv: Buffer[] = [];
  const truncatedArgs: number[] = [];
  let argsTruncated = false;
  let start = 0;
  while (start < blob.length) {
    let end = blob.indexOf(0, start);
    const last = end < 0;
    if (last) end = blob.length;
    if (argv.length >= ctx.maxArgs) { argsTruncated = true; break; }
    let arg = blob.subarray(start, end);
    if (arg.length > ctx.argBytes) { arg = arg.subarray(0, ctx.argBytes); truncatedArgs.push(argv.length); }
    else if (last && cutAtEnd) truncatedArgs.push(argv.length);
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

export const exec: ProbeFamily = {
  name: 'exec',
  object: 'exec.bpf.o',
  summary: 'exec and binary loads (raw_tp sched_process_exec; sys_enter/exit_execve, execveat)',
  autoload: (prog) => !prog.section.includes('execveat') || tracepointExists('syscalls', 'sys_enter_execveat'),
  decoders: {
    3: (buf, off, size, ctx) => {
      need(size, E.$size, 'exec');
      const rec = head(buf, off, ctx.clock);
      const flags = buf.readUInt16LE(off + E.eflags);
      const lens = [E.filename_len, E.interp_len, E.mount_len].map((f) => buf.readUInt16LE(off + f));
      const argsLen = buf.readUInt32LE(off + E.args_len);
      const argsTotal = buf.readUInt32LE(off + E.args_total);
      const tailLen = lens[0]! + lens[1]! + lens[2]! + argsLen;
      need(size, E.$size + tailLen, 'exec');
      let p = off + E.$size;
      const take = (n: number) => { const b = Buffer.from(buf.subarray(p, p + n)); p += n; return b; };
      const filename = take(lens[0]!);
      const interp = take(lens[1]!);
      const mount = take(lens[2]!);
      const source = buf.readUInt16LE(off + E.source);
      const fromSched = source === 0;
      // The mm blob ends in a NUL when whole; a cut blob's last argument is truncated.
      let blob = take(argsLen);
      const cut = fromSched && argsTotal > argsLen;
      if (!cut && blob.length && blob[blob.length - 1] === 0) blob = blob.subarray(0, blob.length - 1);
      const split = splitArgs(blob, ctx, cut);
      const unreadable = buf.readBigUInt64LE(off + E.unreadable);
      const truncated = buf.readBigUInt64LE(off + E.truncated);
      rec.exec = {
        filename, argv: split.argv, ret: buf.readInt32LE(off + E.ret),
        source: fromSched ? ExecSource.EXEC_SOURCE_SCHED : ExecSource.EXEC_SOURCE_SYS_EXIT,
        interp, mount, ino: u64String(buf, off + E.ino), dev: buf.readUInt32LE(off + E.dev),
        oldTid: buf.readUInt32LE(off + E.old_tid),
        unreadableArgs: fromSched ? (unreadable ? [0] : []) : bits(unreadable),
        truncatedArgs: [...new Set([...split.truncatedArgs, ...bits(truncated)])].sort((a, b) => a - b),
        argsTruncated: split.argsTruncated || (flags & ARGS_TRUNC) !== 0,
        commBefore: cstr(buf, off + E.comm_before, 16),
        filenameTruncated: (flags & FILENAME_TRUNC) !== 0,
      };
      return { rec, kind: 'exec' };
    },
  },
};

