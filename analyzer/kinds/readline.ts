// Command lines read by bash (bpf/readline.bpf.c, recorder/probes/readline.ts): the readline table
// and `secanalyze readline` (bashreadline: "TIME PID COMMAND"). The host timeline reads them itself:
// a line opens a session and ends the shell's pending output.
import { bytes, c } from '../schema/column.js';
import { bytes as bytesOf } from '../schema/spec.js';
import { esc, pad } from '../text.js';
import { defineKind } from './types.js';

export const kind = defineKind({
  body: 'readline',
  probe: 'readline',
  table: {
    name: 'readline',
    doc: 'One row per command line read by bash (readline uprobe).',
    columns: [...bytes('line', 'the line as typed'), c('truncated', 'bool', '', 'cut at --readline-bytes')],
  },
  fields: { cols: [...bytesOf('line', 'x.line'), ['truncated', ['val', '!!x.truncated']]] },
  timeline: null,
  view: {
    command: 'readline',
    summary: 'bashreadline: commands typed into bash',
    none: null,
    extra: [],
    header: () => `${pad('TIME', 9)} ${pad('PID', 7)} COMMAND`,
    text: (x, r, ctx) => `${pad(ctx.clock.hms(r.ts), 9)} ${pad(String(r.pid), 7)} ${esc(x.line)}${x.truncated ? ' ...' : ''}`,
  },
});
