// Process lifecycle (bpf/proc.bpf.c): fork and exit, for process trees.
import { fork_event as F, exit_event as X, event_kind as K } from '../layout.gen.js';
import { exact, head, need } from '../decode.js';
import { BODY_TAG } from '../encode.js';
import { vfield, zigzag } from '../wire.js';
import type { ProbeFamily } from './types.js';
import { ringRecord } from '../warmup.js';

/** task->exit_code: status << 8 | core << 7 | signal. */
function exitFields(status: number) {
  return { code: (status >> 8) & 0xff, signal: status & 0x7f, coreDumped: (status & 0x80) !== 0 };
}

export const proc: ProbeFamily = {
  name: 'proc',
  object: 'proc.bpf.o',
  lane: 'prio',
  samples: () => [
    ringRecord(F, K.EV_FORK, { child_pid: ['u32', 4242], child_tid: ['u32', 4242] }),
    ringRecord(X, K.EV_EXIT, { exit_code: ['s32', 1 << 8], start_ns: ['u64', 5_990_000_000n] }),
  ],
  decoders: {
    [K.EV_FORK]: (buf, off, size, ctx) => {
      need(size, F.$size, 'fork');
      exact(size, F.$size, 'fork');
      const rec = head(buf, off, ctx.clock);
      rec.fork = {
        childPid: buf.readUInt32LE(off + F.child_pid),
        childTid: buf.readUInt32LE(off + F.child_tid),
        thread: buf.readUInt32LE(off + F.thread) !== 0,
      };
      return { rec, kind: 'fork' };
    },
    [K.EV_EXIT]: (buf, off, size, ctx) => {
      exact(size, X.$size, 'exit');
      const rec = head(buf, off, ctx.clock);
      rec.exit = { ...exitFields(buf.readInt32LE(off + X.exit_code)), start: ctx.clock.relSigned(buf, off + X.start_ns) };
      return { rec, kind: 'exit' };
    },
  },
  encoders: {
    [K.EV_FORK]: (buf, off, size, enc) => {
      enc.head(buf, off, size, F.$size, 'fork');
      exact(size, F.$size, 'fork');
      const child = buf.readUInt32LE(off + F.child_pid);
      const childTid = buf.readUInt32LE(off + F.child_tid);
      const thread = buf.readUInt32LE(off + F.thread) !== 0 ? 1 : 0;
      enc.begin('fork', BODY_TAG.fork, vfield(child) + vfield(childTid) + vfield(thread));
      const o = enc.out;
      o.vf(1, child);
      o.vf(2, childTid);
      o.vf(3, thread);
    },
    [K.EV_EXIT]: (buf, off, size, enc) => {
      enc.head(buf, off, size, X.$size, 'exit');
      exact(size, X.$size, 'exit');
      const x = exitFields(buf.readInt32LE(off + X.exit_code));
      const code = zigzag(x.code);
      const core = x.coreDumped ? 1 : 0;
      const start = zigzag(enc.clock.relSigned(buf, off + X.start_ns));
      enc.begin('exit', BODY_TAG.exit, vfield(code) + vfield(x.signal) + vfield(core) + vfield(start));
      const o = enc.out;
      o.vf(1, code);
      o.vf(2, x.signal);
      o.vf(3, core);
      o.vf(4, start);
    },
  },
};
