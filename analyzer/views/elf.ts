// elfsnoop: binaries the kernel loads. Columns: TIME PID INTERPRETER FILE MOUNT DEV INODE RET.
import type { Record } from '../../format/index.js';
import type { View, ViewContext } from '../pipeline.js';
import { esc, pad, padl } from '../text.js';
import { devString } from './common.js';

export function elfView(): View {
  let headerDone = false;
  return {
    probes: ['exec'],
    tree: false,
    record(r: Record, ctx: ViewContext) {
      if (r.body !== 'exec') return;
      const e = r.exec!;
      const file = esc(e.filename);
      const interp = e.interp?.length ? esc(e.interp) : file;
      if (ctx.json) {
        ctx.out.line(JSON.stringify({ time: ctx.clock.iso(r.ts), pid: r.pid, comm: esc(r.comm), interpreter: interp, file,
          mount: esc(e.mount), dev: devString(e.dev ?? 0), inode: e.ino ?? '0', ret: e.ret ?? 0 }));
        return;
      }
      if (!headerDone) {
        headerDone = true;
        ctx.out.line(`${pad('TIME', 8)} ${pad('PID', 6)} ${pad('INTERPRETER', 18)} ${pad('FILE', 18)} ${pad('MOUNT', 10)} ${pad('DEV', 7)} ${pad('INODE', 10)} RET`);
      }
      ctx.out.line(`${pad(ctx.clock.hms(r.ts), 8)} ${pad(String(r.pid), 6)} ${pad(interp, 18)} ${pad(file, 18)} ${pad(esc(e.mount) || '-', 10)} ${pad(devString(e.dev ?? 0), 7)} ${pad(esc(e.ino) || '0', 10)} ${padl(String(e.ret ?? 0), 3)}`);
    },
    end() {},
  };
}
