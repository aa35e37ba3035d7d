// Writes to a terminal, and with --stdio to fd 1/2 (bpf/tty.bpf.c, recorder/probes/tty.ts: the tty
// family watches terminals). The tty_writes table and `secanalyze tty` (ttysnoop,
// analyzer/views/terminal.ts); shell, replay, sessions and the host timeline read them for the
// session views.
import { bytes, c } from '../schema/column.js';
import { bytes as bytesOf, PROC } from '../schema/spec.js';
import { defineKind } from './types.js';

/** pts/N, ttyN, ttySN or major:minor of a kernel dev_t (major << 20 | minor). */
export function ttyName(rdev: number): string | null {
  if (!rdev) return null;
  const major = rdev >>> 20;
  const minor = rdev & 0xfffff;
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
  if (major === 4) return minor < 64 ? `tty${minor}` : `ttyS${minor - 64}`;
  return `${major}:${minor}`;
}

export const kind = defineKind({
  body: 'ttyWrite',
  probe: 'tty',
  table: {
    name: 'tty_writes',
    doc: 'One row per write to a terminal (and, with --stdio, to fd 1/2).',
    columns: [
      c('rdev', 'u32', 'kernel dev_t', 'the written fd\'s device; 0 if not a device'),
      c('tty', 'str', '', 'the device as a name: pts/N, ttyN, or major:minor; null when not a device'),
      c('fd', 'u32', '', 'file descriptor written to'),
      ...bytes('data', 'the bytes written, up to the recorder\'s --write-bytes'),
      c('len', 'i64', 'bytes', 'the length written: the call\'s return value (recorder < 0.3: the length asked)'),
      c('cut', 'bool', '', 'data holds fewer bytes than len'),
      c('call', 'str', '', 'write, writev, pwrite64 or pwritev'),
      c('is_tty', 'bool', '', 'the fd is a terminal'),
      c('rows', 'u32', 'cells', 'terminal size when recorded (0 unknown)'),
      c('cols', 'u32', 'cells', 'terminal size when recorded (0 unknown)'),
    ],
  },
  fields: {
    cols: [
      ['rdev', ['val', 'x.rdev ?? 0']], ['tty', ['val', 'H.ttyName(x.rdev ?? 0)']], ['fd', ['val', 'x.fd ?? 0']], ...bytesOf('data', 'x.data'),
      ['len', ['val', 'x.len ?? kept']], ['cut', ['val', '!!x.cut || Number(x.len ?? kept) > kept']],
      ['call', ['val', 'H.WRITE_CALLS[x.call ?? 0] ?? String(x.call)']], ['is_tty', ['val', '!!x.isTty']],
      ['rows', ['val', 'x.rows ?? 0']], ['cols', ['val', 'x.cols ?? 0']],
    ],
    pre: `${PROC} const kept = x.data ? x.data.length : 0;`,
  },
  helpers: { ttyName, WRITE_CALLS: ['write', 'writev', 'pwrite64', 'pwritev'] },
  timeline: null,
  view: null,
  commands: [
    {
      name: 'tty', legacy: '--tty', summary: 'ttysnoop: what was written to a terminal (raw bytes; --escape for text)',
      operand: { name: 'dev', description: 'the terminal: /dev/pts/3, pts/3, pts3, 3, tty1' },
      options(c) { c.option('--escape', 'show the bytes escaped, as text').option('-C, --noclear', 'accepted for ttysnoop\'s sake (offline there is no screen to clear)'); },
      async run(r) { const { ttyView } = await import('../views/terminal.js'); await r.view(ttyView(r.operand ?? '', { escape: !!r.opts['escape'] })); },
    },
  ],
});
