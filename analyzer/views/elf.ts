// elfsnoop: binaries the kernel loads. Columns: TIME PID INTERPRETER FILE MOUNT DEV INODE RET.
// A failed exec that never reached a binary loader (no inode: ENOENT, EACCES on the path) is no
// ELF load: shown only with -x. For a script the kernel loaded the interpreter, and the recorded
// device and inode are the interpreter's: marked "*", and said once on stderr.
import type { CaptureRecord } from '../../format/index.js';
import type { View, ViewContext } from '../pipeline.js';
import { esc, pad, padl } from '../text.js';
import { devString } from './common.js';
import { EXEC_EXTRA, execViewRow } from './execs.js';
import type { ViewTable } from '../schema/views.js';

const loaded = (e: NonNullable<CaptureRecord['exec']>): boolean => !!e.ino && e.ino !== '0';

export interface ElfOptions { fails?: boolean }

export function elfView(o: ElfOptions = {}): View {
  let scripts = 0;
  const table: ViewTable<CaptureRecord> = {
    view: 'elf',
    schema: 'execs',
    extra: EXEC_EXTRA,
    row: execViewRow,
    header: () => `${pad('TIME', 8)} ${pad('PID', 6)} ${pad('INTERPRETER', 18)} ${pad('FILE', 18)} ${pad('MOUNT', 10)} ${pad('DEV', 7)} ${pad('INODE', 10)} RET`,
    text(r, ctx) {
      const e = r.exec!;
      const file = esc(e.filename);
      const interp = e.interp?.length ? esc(e.interp) : file;
      const script = interp !== file;
      if (script && loaded(e)) scripts++;
      return `${pad(ctx.clock.hms(r.ts), 8)} ${pad(String(r.pid), 6)} ${pad(interp, 18)} ${pad(file, 18)} ${pad(esc(e.mount) || '-', 10)} ${pad(devString(e.dev ?? 0), 7)} ${pad(esc(e.ino || '0') + (script && loaded(e) ? '*' : ''), 10)} ${padl(String(e.ret ?? 0), 3)}`;
    },
  };
  return {
    tables: [table],
    probes: ['exec'],
    kinds: ['exec'],
    tree: false,
    record(r: CaptureRecord, ctx: ViewContext) {
      if (r.body !== 'exec') return;
      if ((r.exec!.ret ?? 0) !== 0 && !loaded(r.exec!) && !o.fails) return;
      ctx.out.row(table, r, ctx);
    },
    end(ctx: ViewContext) {
      // only text marks them (the rows say it in ino_of)
      if (scripts) ctx.warn(`${scripts} script exec(s) marked *: DEV and INODE are of the interpreter the kernel loaded, not of the script`);
    },
  };
}
