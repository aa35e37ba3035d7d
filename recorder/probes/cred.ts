// Credential changes (bpf/cred.bpf.c): set*uid/set*gid that took effect, ids before and after.
import { cred_event as C, cred_call as CALL, event_kind as K } from '../layout.gen.js';
import { exact, head, ShortRecord } from '../decode.js';
import { tracepointExists } from '../host.js';
import type { ProbeFamily } from './types.js';
import { ringRecord } from '../warmup.js';

const CALLS = Object.values(CALL).length;

export const cred: ProbeFamily = {
  name: 'cred',
  object: 'cred.bpf.o',
  lane: 'prio',
  autoload: (prog) => {
    const m = /sys_(?:enter|exit)_(\w+)/.exec(prog.section);
    return !m || tracepointExists('syscalls', `sys_enter_${m[1]}`);
  },
  samples: () => [ringRecord(C, K.EV_CRED, { old_uid: ['u32', 1000], old_euid: ['u32', 1000], call: ['u16', CALL.CRED_CALL_SETUID] })],
  decoders: {
    [K.EV_CRED]: (buf, off, size, ctx) => {
      exact(size, C.$size, 'cred');
      const call = buf.readUInt16LE(off + C.call);
      if (call >= CALLS) throw new ShortRecord(`cred call ${call} is unknown`);
      const u = (f: number) => buf.readUInt32LE(off + f);
      const rec = head(buf, off, ctx.clock);
      rec.cred = {
        call,
        oldUid: u(C.old_uid), oldEuid: u(C.old_euid), oldSuid: u(C.old_suid), oldFsuid: u(C.old_fsuid),
        oldGid: u(C.old_gid), oldEgid: u(C.old_egid), oldSgid: u(C.old_sgid), oldFsgid: u(C.old_fsgid),
        uid: u(C.uid), euid: u(C.euid), suid: u(C.suid), fsuid: u(C.fsuid),
        gid: u(C.gid), egid: u(C.egid), sgid: u(C.sgid), fsgid: u(C.fsgid),
      };
      return { rec, kind: 'cred' };
    },
  },
};
