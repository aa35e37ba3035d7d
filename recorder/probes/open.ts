// File opens (bpf/open.bpf.c): open, openat, openat2.
import { open_event as O, event_kind as K, open_oflags as F, secrec_caps as CAP } from '../layout.gen.js';
import { capped, exact, head, need, u64, ShortRecord } from '../decode.js';
import { BODY_TAG, type RingEncoder } from '../encode.js';
import { lfield, vfield, zigzag } from '../wire.js';
import { tracepointExists } from '../host.js';
import type { ProbeFamily } from './types.js';
import { ringRecord } from '../warmup.js';

const DIR_CAP = CAP.NAME_CAP * CAP.DIR_DEPTH_CAP;

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

/** Checks the record's lengths; returns [pathLen, dirLen]. */
function lengths(buf: Buffer, off: number, size: number): [number, number] {
  need(size, O.$size, 'open');
  const pathLen = capped(buf.readUInt16LE(off + O.path_len), CAP.PATH_CAP - 1, 'open path');
  const dirLen = capped(buf.readUInt16LE(off + O.dir_len), DIR_CAP, 'open directory');
  exact(size, O.$size + pathLen + dirLen, 'open');
  return [pathLen, dirLen];
}

/** Writes the joined directory (the reverse of the leaf-first components) without a copy. */
function writeDir(enc: RingEncoder, buf: Buffer, start: number, end: number, truncated: boolean): void {
  const o = enc.out;
  let first = true;
  if (!truncated) o.byte(0x2f);
  let stop = end;
  // components are NUL-terminated; walk them from the last one back
  while (stop > start) {
    let s = stop - 1; // the NUL of this component
    if (buf[s] !== 0) throw new ShortRecord('open directory component is not NUL-terminated');
    let b = s;
    while (b > start && buf[b - 1] !== 0) b--;
    if (!first) o.byte(0x2f);
    first = false;
    for (let i = b; i < s; i++) o.byte(buf[i]!);
    stop = b;
  }
}

/** Length of the joined directory: components + separators (+ the leading slash). */
function dirSize(buf: Buffer, start: number, end: number, truncated: boolean): number {
  let parts = 0;
  for (let i = start; i < end; i++) if (buf[i] === 0) parts++;
  if (end > start && buf[end - 1] !== 0) throw new ShortRecord('open directory component is not NUL-terminated');
  const bytes = end - start - parts;
  return bytes + (parts > 0 ? parts - 1 : 0) + (truncated ? 0 : 1);
}

export const open: ProbeFamily = {
  name: 'open',
  object: 'open.bpf.o',
  lane: 'bulk',
  autoload: (prog) => {
    const m = /sys_(?:enter|exit)_(open\w*)/.exec(prog.section);
    return !m || tracepointExists('syscalls', `sys_enter_${m[1]}`);
  },
  samples: () => {
    const abs = Buffer.from('/etc/ld.so.cache'), rel = Buffer.from('nofile'), dir = Buffer.from('storm\0tmp\0');
    return [
      ringRecord(O, K.EV_OPEN, { ret: ['s32', 3], dirfd: ['s32', -100], flags: ['u32', 0o2000000], call: ['u16', 1], path_len: ['u16', abs.length] }, abs),
      ringRecord(O, K.EV_OPEN, { ret: ['s32', -2], dirfd: ['s32', -100], call: ['u16', 1], path_len: ['u16', rel.length], dir_len: ['u16', dir.length] }, Buffer.concat([rel, dir])),
    ];
  },
  decoders: {
    [K.EV_OPEN]: (buf, off, size, ctx) => {
      const [pathLen, dirLen] = lengths(buf, off, size);
      const rec = head(buf, off, ctx.clock);
      const oflags = buf.readUInt16LE(off + O.oflags);
      const p = off + O.$size;
      const dirTrunc = (oflags & F.OPEN_DIR_TRUNC) !== 0;
      if (dirLen && buf[p + pathLen + dirLen - 1] !== 0) throw new ShortRecord('open directory component is not NUL-terminated');
      rec.open = {
        path: Buffer.from(buf.subarray(p, p + pathLen)),
        ret: buf.readInt32LE(off + O.ret),
        flags: buf.readUInt32LE(off + O.flags),
        mode: buf.readUInt32LE(off + O.mode),
        dirfd: buf.readInt32LE(off + O.dirfd),
        call: buf.readUInt16LE(off + O.call),
        dir: dirLen ? joinDir(buf.subarray(p + pathLen, p + pathLen + dirLen), dirTrunc) : Buffer.alloc(0),
        pathTruncated: (oflags & F.OPEN_PATH_TRUNC) !== 0,
        dirTruncated: dirTrunc,
        resolve: u64(buf, off + O.resolve),
      };
      return { rec, kind: 'open' };
    },
  },
  encoders: {
    [K.EV_OPEN]: (buf, off, size, enc) => {
      enc.head(buf, off, size, O.$size, 'open');
      const [pathLen, dirLen] = lengths(buf, off, size);
      const oflags = buf.readUInt16LE(off + O.oflags);
      const ret = zigzag(buf.readInt32LE(off + O.ret));
      const flags = buf.readUInt32LE(off + O.flags);
      const mode = buf.readUInt32LE(off + O.mode);
      const dirfd = zigzag(buf.readInt32LE(off + O.dirfd));
      const call = buf.readUInt16LE(off + O.call);
      const pTrunc = oflags & F.OPEN_PATH_TRUNC ? 1 : 0;
      const dTrunc = oflags & F.OPEN_DIR_TRUNC ? 1 : 0;
      const resolve = u64(buf, off + O.resolve);
      const p = off + O.$size;
      const dLen = dirLen ? dirSize(buf, p + pathLen, p + pathLen + dirLen, dTrunc === 1) : 0;
      const body = lfield(pathLen) + vfield(ret) + vfield(flags) + vfield(mode) + vfield(dirfd) + vfield(call) +
        lfield(dLen) + vfield(pTrunc) + vfield(dTrunc) + vfield(resolve);
      enc.begin('open', BODY_TAG.open, body);
      const o = enc.out;
      o.lf(1, buf, p, p + pathLen);
      o.vf(2, ret);
      o.vf(3, flags);
      o.vf(4, mode);
      o.vf(5, dirfd);
      o.vf(6, call);
      if (dLen) {
        o.byte((7 << 3) | 2);
        o.varint(dLen);
        writeDir(enc, buf, p + pathLen, p + pathLen + dirLen, dTrunc === 1);
      }
      o.vf(8, pTrunc);
      o.vf(9, dTrunc);
      o.vf(10, resolve);
    },
  },
};
