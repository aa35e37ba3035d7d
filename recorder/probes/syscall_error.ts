// Syscalls failing with EPERM/EACCES (bpf/syscall_error.bpf.c): the sys_exit raw tracepoint.
// Captures before 0.2 name the probe "eperm" (format/probes.ts); the analyzer's command keeps the
// classic tool's name, `secanalyze eperm`.
import { syscall_error_event as S, event_kind as K } from '../layout.gen.js';
import { exact, head } from '../decode.js';
import { BODY_TAG } from '../encode.js';
import { vfield } from '../wire.js';
import type { ProbeFamily } from './types.js';
import { ringRecord } from '../warmup.js';

export const syscall_error: ProbeFamily = {
  name: 'syscall_error',
  object: 'syscall_error.bpf.o',
  lane: 'bulk',
  samples: () => [ringRecord(S, K.EV_SYSCALL_ERROR, { nr: ['u32', 257], ret: ['s32', -13] })],
  decoders: {
    [K.EV_SYSCALL_ERROR]: (buf, off, size, ctx) => {
      exact(size, S.$size, 'syscall error');
      const rec = head(buf, off, ctx.clock);
      rec.syscallError = { nr: buf.readUInt32LE(off + S.nr), errno: -buf.readInt32LE(off + S.ret), abi: buf.readUInt32LE(off + S.compat) ? 1 : 0 };
      return { rec, kind: 'syscallError' };
    },
  },
  encoders: {
    [K.EV_SYSCALL_ERROR]: (buf, off, size, enc) => {
      enc.head(buf, off, size, S.$size, 'syscall error');
      exact(size, S.$size, 'syscall error');
      const nr = buf.readUInt32LE(off + S.nr);
      const errno = -buf.readInt32LE(off + S.ret);
      const abi = buf.readUInt32LE(off + S.compat) ? 1 : 0;
      enc.begin('syscallError', BODY_TAG.syscallError, vfield(nr) + vfield(errno) + vfield(abi));
      const o = enc.out;
      o.vf(1, nr);
      o.vf(2, errno);
      o.vf(3, abi);
    },
  },
};
