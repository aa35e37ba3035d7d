// opensnoop: file opens. Columns (bcc): [TIME(s)] [UID] PID|TID COMM FD ERR [FLAGS MODE] PATH, with
// bcc's widths (%-14.9f, %-6d %-16s %4d %3d); -f flags are ORed, as bcc does.
import type { CaptureRecord, Open } from '../../format/index.js';
import type { View, ViewContext } from '../pipeline.js';
import { esc, pad, padl } from '../text.js';
import { errnoName } from '../syscalls.js';
import { parseOpenFlags } from '../kinds/open.js';
import { rowOf, rowsFor, type ViewTable } from '../schema/views.js';
const openRow = rowOf('opens');

export interface OpensOptions {
  timestamp?: boolean; printUid?: boolean; failed?: boolean; pid?: number; tid?: number; uid?: number;
  name?: string; extended?: boolean; flags?: string[]; fullPath?: boolean; errname?: boolean;
}

export function opensView(o: OpensOptions): View {
  let want: number[] | null = null;
  if (o.flags?.length) parseOpenFlags(o.flags);
  const table: ViewTable<CaptureRecord> = {
    view: 'opens',
    schema: 'opens',
    extra: [],
    row: (r, ctx) => openRow(r, rowsFor(ctx)),
    lines: 'opens',
    header: () => [o.timestamp ? pad('TIME(s)', 14) : '', o.printUid ? pad('UID', 6) : '', pad(o.tid !== undefined ? 'TID' : 'PID', 6), pad('COMM', 16),
      padl('FD', 4), o.errname ? pad('ERR', 7) : padl('ERR', 3), o.extended ? pad('FLAGS', 8) + ' ' + pad('MODE', 4) : '', 'PATH'].filter(Boolean).join(' '),
    text(r) {
      const e = r.open!;
      const ret = e.ret ?? 0;
      const flags = e.flags ?? 0;
      const rel = e.path && e.path.length && e.path[0] !== 0x2f;
      // truncation is shown where it happened: "…" before a cut directory, "[cut]" after a cut path
      const cutPath = `${esc(e.path)}${e.pathTruncated ? '[cut]' : ''}`;
      const path = o.fullPath && rel && e.dir?.length ? `${e.dirTruncated ? '…' : ''}${esc(e.dir)}/${cutPath}` : cutPath;
      const fd = ret >= 0 ? ret : -1;
      const err = ret >= 0 ? 0 : -ret;
      const creates = (flags & 0o100) !== 0 || (flags & 0o20000000) !== 0;
      const mode = creates ? (e.mode ?? 0).toString(8).padStart(4, '0') : 'n/a';
      return [o.timestamp ? pad((r.ts / 1e9).toFixed(9), 14) : '', o.printUid ? pad(String(r.uid), 6) : '', pad(String(o.tid !== undefined ? r.tid : r.pid), 6), pad(esc(r.comm), 16),
        padl(String(fd), 4), o.errname ? pad(err ? errnoName(err) : '0', 7) : padl(String(err), 3),
        o.extended ? flags.toString(8).padStart(8, '0') + ' ' + pad(mode, 4) : '', path].filter((s) => s !== '').join(' ');
    },
  };
  /** The view's own filters (record() and raw.record() alike); the body is read only when they need it. */
  const keep = (pid: number, tid: number, uid: number, comm: Uint8Array | undefined, body: () => Open, ctx: ViewContext): boolean => {
    if (o.pid !== undefined && pid !== o.pid) return false;
    if (o.tid !== undefined && tid !== o.tid) return false;
    if (o.uid !== undefined && uid !== o.uid) return false;
    if (o.name && !esc(comm).includes(o.name)) return false;
    if (!o.failed && !o.flags?.length) return true;
    const e = body();
    if (o.failed && (e.ret ?? 0) >= 0) return false;
    if (o.flags?.length) {
      const flags = e.flags ?? 0;
      want ??= parseOpenFlags(o.flags, ctx.arch);
      if (!want.some((v) => (v === 0 ? (flags & 3) === 0 : (flags & v) === v))) return false;
    }
    return true;
  };
  return {
    tables: [table],
    probes: ['open'],
    kinds: ['open'],
    tree: false,
    record(r: CaptureRecord, ctx: ViewContext) {
      if (r.body !== 'open') return;
      if (keep(r.pid, r.tid, r.uid, r.comm, () => r.open!, ctx)) ctx.out.row(table, r, ctx);
    },
    raw: {
      kinds: ['open'],
      table,
      record(d, ctx) {
        if (keep(d.pid, d.tid, d.uid, d.comm, () => d.body() as Open, ctx)) ctx.out.rawRow(table, d, ctx, ctx.tree.startOf(d.pid));
      },
    },
    end() {},
  };
}
