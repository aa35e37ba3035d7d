// File opens (bpf/open.bpf.c): open, openat, openat2.
import { open_event as O } from '../layout.gen.js';
import { head, need, u64 } from '../decode.js';
import { tracepointExists } from '../host.js';
import type { ProbeFamily } from './types.js';

const PATH_TRUNC = 1;
const DIR_TRUNC = 2;

/** Directory components come leaf first, each NUL-terminated: make them a path. */
export function joinDir(tail: Buffer, truncated: boolean): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  while (start < tail.length) {
    let end = tail.indexOf(0, start);
    if (end < 0) end = tail.length;
    parts.push(tail.subarray(start, end));
    start = end + 1;
  }
  parts.reverse();
  const slash = Buffer.from('/');
  const out: Buffer[] = [];
  if (!truncated) out.push(slash);
  parts.forEach((p, i) => { if (i) out.push(slash); out.push(p); });
  return Buffer.concat(out);
}

export const open: ProbeFamily = {
  name: 'open',
  object: 'open.bpf.o',
  summary: 'file opens (sys_enter/exit_open, openat, openat2)',
  autoload: (prog) => {
    const m = /sys_(?:enter|exit)_(open\w*)/.exec(prog.section);
    return !m || tracepointExists('syscalls', `sys_enter_${m[1]}`);
  },
  decoders: {
    4: (buf, off, size, ctx) => {
      need(size, O.$size, 'open');
      const rec = head(buf, off, ctx.clock);
      const pathLen = buf.readUInt16LE(off + O.path_len);
      const dirLen = buf.readUInt16LE(off + O.dir_len);
      need(size, O.$size + pathLen + dirLen, 'open');
      const oflags = buf.readUInt16LE(off + O.oflags);
      const p = off + O.$size;
      rec.open = {
        path: Buffer.from(buf.subarray(p, p + pathLen)),
        ret: buf.readInt32LE(off + O.ret),
        flags: buf.readUInt32LE(off + O.flags),
        mode: buf.readUInt32LE(off + O.mode),
        dirfd: buf.readInt32LE(off + O.dirfd),
        call: buf.readUInt16LE(off + O.call),
        dir: dirLen ? joinDir(buf.subarray(p + pathLen, p + pathLen + dirLen), (oflags & DIR_TRUNC) !== 0) : Buffer.alloc(0),
        pathTruncated: (oflags & PATH_TRUNC) !== 0,
        dirTruncated: (oflags & DIR_TRUNC) !== 0,
        resolve: u64(buf, off + O.resolve),
      };
      return { rec, kind: 'open' };
    },
  },
};
