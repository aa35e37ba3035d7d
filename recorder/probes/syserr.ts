// Syscalls failing with EPERM/EACCES (bpf/syserr.bpf.c): raw_syscalls:sys_exit.
import { syserr_event as S } from '../layout.gen.js';
import { head, need } from '../decode.js';
import { Abi } from '../../format/index.js';
import type { ProbeFamily } from './types.js';

export const syserr: ProbeFamily = {
  name: 'eperm',
  object: 'syserr.bpf.o',
  summary: 'syscalls failing with EPERM or EACCES (raw_syscalls:sys_exit)',
  decoders: {
    5: (buf, off, size, ctx) => {
      need(size, S.$size, 'syscall error');
      const rec = head(buf, off, ctx.clock);
      rec.syscallError = {
        nr: buf.readUInt32LE(off + S.nr),
        errno: -buf.readInt32LE(off + S.ret),
        abi: buf.readUInt32LE(off + S.compat) ? Abi.ABI_COMPAT : Abi.ABI_NATIVE,
      };
      return { rec, kind: 'syscallError' };
    },
  },
};
