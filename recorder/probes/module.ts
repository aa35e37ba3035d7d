// Kernel module loads (bpf/module.bpf.c): module:module_load, where the kernel has modules.
import { module_event as M, event_kind as K, secrec_caps as CAP } from '../layout.gen.js';
import { capped, exact, head, need } from '../decode.js';
import { tracepointExists } from '../host.js';
import type { ProbeFamily } from './types.js';
import { ringRecord } from '../warmup.js';

export const module: ProbeFamily = {
  name: 'module',
  object: 'module.bpf.o',
  lane: 'prio',
  unavailable: () => tracepointExists('module', 'module_load') ? null
    : 'this kernel has no module:module_load tracepoint (built without module support, CONFIG_MODULES=n)',
  samples: () => { const name = Buffer.from('dummy'); return [ringRecord(M, K.EV_MODULE, { name_len: ['u32', name.length] }, name)]; },
  decoders: {
    [K.EV_MODULE]: (buf, off, size, ctx) => {
      need(size, M.$size, 'module');
      const rec = head(buf, off, ctx.clock);
      const n = capped(buf.readUInt32LE(off + M.name_len), CAP.MODULE_NAME_CAP - 1, 'module name');
      exact(size, M.$size + n, 'module');
      rec.moduleLoad = { name: Buffer.from(buf.subarray(off + M.$size, off + M.$size + n)), taints: buf.readUInt32LE(off + M.taints) };
      return { rec, kind: 'moduleLoad' };
    },
  },
};
