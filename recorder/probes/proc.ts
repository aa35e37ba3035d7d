// Process lifecycle (bpf/proc.bpf.c): fork and exit, for process trees.
import { fork_event as F, exit_event as X } from '../layout.gen.js';
import { head, need } from '../decode.js';
import type { ProbeFamily } from './types.js';

export const proc: ProbeFamily = {
  name: 'proc',
  object: 'proc.bpf.o',
  summary: 'process fork and exit (raw_tp sched_process_fork, sched_process_exit)',
  decoders: {
    1: (buf, off, size, ctx) => {
      need(size, F.$size, 'fork');
      const rec = head(buf, off, ctx.clock);
      rec.fork = {
        childPid: buf.readUInt32LE(off + F.child_pid),
        childTid: buf.readUInt32LE(off + F.child_tid),
        thread: buf.readUInt32LE(off + F.thread) !== 0,
      };
      return { rec, kind: 'fork' };
    },
    2: (buf, off, size, ctx) => {
      need(size, X.$size, 'exit');
      const rec = head(buf, off, ctx.clock);
      const status = buf.readInt32LE(off + X.exit_code);
      rec.exit = {
        code: (status >> 8) & 0xff,
        signal: status & 0x7f,
        coreDumped: (status & 0x80) !== 0,
        start: ctx.clock.relSigned(buf, off + X.start_ns),
      };
      return { rec, kind: 'exit' };
    },
  },
};
