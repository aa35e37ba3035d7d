// Kernel module loads (bpf/module.bpf.c, recorder/probes/module.ts): the modules table, the host
// timeline's line and `secanalyze modules` (modsnoop: "HH:MM:SS module init: NAME, by COMM (PID N,
// user USER, UID N)").
import { bytes, c } from '../schema/column.js';
import { bytes as bytesOf } from '../schema/spec.js';
import { esc, userName } from '../text.js';
import { defineKind } from './types.js';

export const kind = defineKind({
  body: 'moduleLoad',
  probe: 'module',
  table: {
    name: 'modules',
    doc: 'One row per kernel module load.',
    columns: [...bytes('name', 'module name'), c('taints', 'u32', 'bit mask', 'taint flags of the module')],
  },
  fields: { cols: [...bytesOf('name', 'x.name'), ['taints', ['val', 'x.taints ?? 0']]] },
  timeline: { item: 'module', text: (x, r) => `!! module loaded: ${esc(x.name)} (${esc(r.comm)} pid ${r.pid})` },
  view: {
    command: 'modules',
    summary: 'modsnoop: kernel modules loaded',
    none: null,
    extra: [{ name: 'user', type: 'str', doc: 'user name of uid on the recorded host; null when unknown' }],
    more: (_x, r, ctx) => ({ user: ctx.users.get(r.uid) ?? null }),
    text: (x, r, ctx) => `${ctx.clock.hms(r.ts)} module init: ${esc(x.name)}, by ${esc(r.comm)} (PID ${r.pid}, user ${esc(userName(ctx.users, r.uid))}, UID ${r.uid})`,
  },
});
