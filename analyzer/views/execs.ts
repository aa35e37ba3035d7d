// execsnoop: new processes. Columns (bcc): [TIME|TIME(s)] [UID] PCOMM PID PPID RET ARGS.
import type { Record } from '../../format/index.js';
import type { View, ViewContext } from '../pipeline.js';
import { esc, pad, padl, quoteArg } from '../text.js';
import { seconds } from '../time.js';
import { resolveUid } from './common.js';

export interface ExecsOptions {
  timestamp?: boolean;      // -T
  time?: boolean;           // -t
  fails?: boolean;          // -x
  user?: string;            // -u
  printUid?: boolean;       // -U
  quote?: boolean;          // -q
  name?: RegExp;            // -n
  line?: RegExp;            // -l
  maxArgs: number;          // --max-args
  ppid?: number;            // -P
  parentComm?: boolean;     // -M
}

export function execArgs(filename: Uint8Array, argv: Uint8Array[], max: number, quote: boolean, cut: boolean): string {
  const args = [filename.length ? filename : (argv[0] ?? new Uint8Array()), ...argv.slice(1)];
  const shown = args.slice(0, max);
  const s = shown.map((a) => (quote ? quoteArg(a) : esc(a))).join(' ');
  return args.length > max || cut ? `${s} ...` : s;
}

export function execsView(o: ExecsOptions): View {
  let uid: number | undefined;
  let headerDone = false;
  return {
    probes: ['exec'],
    kinds: ['exec'],
    record(r: Record, ctx: ViewContext) {
      if (r.body !== 'exec') return;
      const e = r.exec!;
      const ret = e.ret ?? 0;
      if (ret !== 0 && !o.fails) return;
      if (o.user !== undefined && uid === undefined) uid = resolveUid(ctx, o.user);
      if (uid !== undefined && r.uid !== uid) return;
      if (o.ppid !== undefined && r.ppid !== o.ppid) return;
      const comm = esc(r.comm);
      if (o.name && !o.name.test(comm)) return;
      const args = execArgs(e.filename ?? new Uint8Array(), e.argv ?? [], o.maxArgs, !!o.quote, !!e.argsTruncated);
      if (o.line && !o.line.test(args)) return;
      const parent = ctx.tree.get(r.ppid)?.comm;
      if (ctx.json) {
        ctx.out.line(JSON.stringify({
          time: ctx.clock.iso(r.ts), ts: r.ts / 1e9, uid: r.uid, pcomm: comm, pid: r.pid, ppid: r.ppid, ret,
          args: [e.filename, ...(e.argv ?? []).slice(1)].map((a) => esc(a)), argsTruncated: !!e.argsTruncated,
          ...(o.parentComm ? { parentComm: esc(parent) } : {}), ino: e.ino, filename: esc(e.filename),
        }));
        return;
      }
      if (!headerDone) {
        headerDone = true;
        ctx.out.line([o.timestamp ? pad('TIME', 8) : '', o.time ? pad('TIME(s)', 8) : '', o.printUid ? pad('UID', 6) : '',
          pad('PCOMM', 16), pad('PID', 7), pad('PPID', 7), o.parentComm ? pad('PARENT', 16) : '', 'RET', 'ARGS'].filter(Boolean).join(' '));
      }
      ctx.out.line([o.timestamp ? pad(ctx.clock.hms(r.ts), 8) : '', o.time ? pad(seconds(r.ts), 8) : '', o.printUid ? pad(String(r.uid), 6) : '',
        pad(comm, 16), pad(String(r.pid), 7), pad(String(r.ppid), 7), o.parentComm ? pad(esc(parent), 16) : '', padl(String(ret), 3), args].filter((s) => s !== '').join(' '));
    },
    end() {},
  };
}
