// Terminal writes (bpf/tty.bpf.c): write, writev, pwrite64, pwritev to ttys (and fd 1/2 with --stdio).
import { tty_event as T } from '../layout.gen.js';
import { head, need, u64 } from '../decode.js';
import type { ProbeFamily } from './types.js';

export const tty: ProbeFamily = {
  name: 'tty',
  object: 'tty.bpf.o',
  summary: 'terminal writes (sys_enter_write, writev, pwrite64, pwritev)',
  decoders: {
    6: (buf, off, size, ctx) => {
      need(size, T.$size, 'tty');
      const rec = head(buf, off, ctx.clock);
      const n = buf.readUInt32LE(off + T.data_len);
      need(size, T.$size + n, 'tty');
      rec.ttyWrite = {
        rdev: buf.readUInt32LE(off + T.rdev),
        fd: buf.readUInt32LE(off + T.fd),
        data: Buffer.from(buf.subarray(off + T.$size, off + T.$size + n)),
        len: u64(buf, off + T.len),
        call: buf.readUInt16LE(off + T.call),
        isTty: buf.readUInt16LE(off + T.is_tty) !== 0,
      };
      return { rec, kind: 'ttyWrite' };
    },
  },
};
