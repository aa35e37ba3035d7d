// Terminal writes (bpf/tty.bpf.c): write, writev, pwrite64, pwritev to ttys (and fd 1/2 with --stdio).
import { tty_event as T, event_kind as K, secrec_caps as CAP, tty_flags as F } from '../layout.gen.js';
import { capped, exact, head, need, u64 } from '../decode.js';
import { BODY_TAG } from '../encode.js';
import { lfield, vfield } from '../wire.js';
import type { ProbeFamily } from './types.js';
import { ringRecord } from '../warmup.js';

function dataLen(buf: Buffer, off: number, size: number): number {
  need(size, T.$size, 'tty');
  const n = capped(buf.readUInt32LE(off + T.data_len), CAP.WRITE_CAP, 'tty data');
  exact(size, T.$size + n, 'tty');
  return n;
}

export const tty: ProbeFamily = {
  name: 'tty',
  object: 'tty.bpf.o',
  lane: 'prio',
  samples: () => [64, 4096].map((n) => {
    const data = Buffer.alloc(n, 'total 0  drwxr-xr-x  2 root root 4096 Nov 24 02:00 .\r\n');
    return ringRecord(T, K.EV_TTY, { rdev: ['u32', (136 << 20) | 3], fd: ['u32', 1], len: ['u64', n], data_len: ['u32', n], is_tty: ['u16', 1], rows: ['u16', 24], cols: ['u16', 80] }, data);
  }),
  decoders: {
    [K.EV_TTY]: (buf, off, size, ctx) => {
      const n = dataLen(buf, off, size);
      const rec = head(buf, off, ctx.clock);
      rec.ttyWrite = {
        rdev: buf.readUInt32LE(off + T.rdev),
        fd: buf.readUInt32LE(off + T.fd),
        data: Buffer.from(buf.subarray(off + T.$size, off + T.$size + n)),
        len: u64(buf, off + T.len),
        call: buf.readUInt16LE(off + T.call),
        isTty: buf.readUInt16LE(off + T.is_tty) !== 0,
        rows: buf.readUInt16LE(off + T.rows),
        cols: buf.readUInt16LE(off + T.cols),
        cut: (buf.readUInt16LE(off + T.tflags) & F.TTY_CUT) !== 0,
      };
      return { rec, kind: 'ttyWrite' };
    },
  },
  encoders: {
    [K.EV_TTY]: (buf, off, size, enc) => {
      enc.head(buf, off, size, T.$size, 'tty');
      const n = dataLen(buf, off, size);
      const rdev = buf.readUInt32LE(off + T.rdev);
      const fd = buf.readUInt32LE(off + T.fd);
      const len = u64(buf, off + T.len);
      const call = buf.readUInt16LE(off + T.call);
      const isTty = buf.readUInt16LE(off + T.is_tty) !== 0 ? 1 : 0;
      const rows = buf.readUInt16LE(off + T.rows);
      const cols = buf.readUInt16LE(off + T.cols);
      const cut = buf.readUInt16LE(off + T.tflags) & F.TTY_CUT ? 1 : 0;
      enc.begin('ttyWrite', BODY_TAG.ttyWrite, vfield(rdev) + vfield(fd) + lfield(n) + vfield(len) + vfield(call) +
        vfield(isTty) + vfield(rows) + vfield(cols) + vfield(cut));
      const o = enc.out;
      o.vf(1, rdev);
      o.vf(2, fd);
      o.lf(3, buf, off + T.$size, off + T.$size + n);
      o.vf(4, len);
      o.vf(5, call);
      o.vf(6, isTty);
      o.vf(7, rows);
      o.vf(8, cols);
      o.vf(9, cut);
    },
  },
};
