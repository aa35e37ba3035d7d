// Forks and clones (bpf/proc.bpf.c, recorder/probes/proc.ts: the proc family records forks and
// exits): the forks table. The process tree reads them; no command or timeline line of their own.
import { c } from '../schema/column.js';
import { defineKind } from './types.js';

export const kind = defineKind({
  body: 'fork',
  probe: 'proc',
  table: {
    name: 'forks',
    doc: 'One row per fork/clone: a new process or a new thread.',
    columns: [
      c('child_pid', 'u32', '', 'the new process id'),
      c('child_tid', 'u32', '', 'the new thread id'),
      c('thread', 'bool', '', 'a new thread in the same process'),
      c('child_process', 'str', 'pid@start', 'the new process; null for a thread'),
    ],
  },
  fields: {
    cols: [
      ['child_pid', ['val', 'x.childPid ?? 0']], ['child_tid', ['val', 'x.childTid ?? 0']], ['thread', ['val', '!!x.thread']],
      ['child_process', ['val', 'x.thread ? null : c.clock.processId(x.childPid ?? 0, r.ts)']],
    ],
  },
  timeline: null,
  view: null,
});
