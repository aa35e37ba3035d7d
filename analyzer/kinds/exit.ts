// Process exits (bpf/proc.bpf.c, recorder/probes/proc.ts: the proc family records forks and exits):
// the exits table. The process tree reads them; no command or timeline line of their own.
import { c } from '../schema/column.js';
import { defineKind } from './types.js';

export const kind = defineKind({
  body: 'exit',
  probe: 'proc',
  table: {
    name: 'exits',
    doc: 'One row per process exit.',
    columns: [
      c('code', 'i32', '', 'exit status, valid when signal is 0'),
      c('signal', 'u32', '', 'terminating signal, 0 if it exited normally'),
      c('core_dumped', 'bool', '', 'a core was dumped'),
      c('start_ns', 'i64', 'ns since the Unix epoch', 'the process start'),
      c('duration_ns', 'i64', 'ns', 'how long the process ran'),
    ],
  },
  // Built before the tree sees the exit (the process leaves the live set then: schema/rows.ts).
  fields: {
    cols: [
      ['code', ['val', 'x.code ?? 0']], ['signal', ['val', 'x.signal ?? 0']], ['core_dumped', ['val', '!!x.coreDumped']],
      ['start_ns', ['val', 'start === null ? null : c.clock.epochNs(start)']], ['duration_ns', ['val', 'start === null ? null : r.ts - start']],
    ],
    pre: 'const live = c.tree.get(r.pid); const start = live?.start ?? (x.start !== undefined && x.start !== null ? Number(x.start) : null); const P = c.clock.processId(r.pid, start);',
  },
  timeline: null,
  view: null,
});
