// `secanalyze creds FILE`: credential changes (set*uid/set*gid that changed an id), each with the
// ids before and after. "HH:MM:SS PID COMM CALL uid 1000→0, euid 1000→0 (user alice→root)".
import type { Record } from '../../format/index.js';
import { userName, type View, type ViewContext } from '../pipeline.js';
import { esc, pad } from '../text.js';
import { credRow, rowsFor, type ViewTable } from '../schema/views.js';
import { credCall, credChanges } from '../schema/cred.js';

const table: ViewTable<Record> = {
  view: 'creds',
  schema: 'creds',
  extra: [
    { name: 'user_before', type: 'str', doc: 'user name of the effective uid before the call; null when unknown' },
    { name: 'user_after', type: 'str', doc: 'user name of the effective uid after the call; null when unknown' },
  ],
  row(r, ctx) {
    const row = credRow(r, rowsFor(ctx));
    row['user_before'] = ctx.users.get(r.cred!.oldEuid ?? 0) ?? null;
    row['user_after'] = ctx.users.get(r.cred!.euid ?? 0) ?? null;
    return row;
  },
  header: () => `${pad('TIME', 9)} ${pad('PID', 7)} ${pad('COMM', 16)} ${pad('CALL', 10)} CHANGE`,
  text(r, ctx) {
    const c = r.cred!;
    const who = (c.oldEuid ?? 0) !== (c.euid ?? 0) ? ` (user ${esc(userName(ctx.users, c.oldEuid ?? 0))}→${esc(userName(ctx.users, c.euid ?? 0))})` : '';
    return `${pad(ctx.clock.hms(r.ts), 9)} ${pad(String(r.pid), 7)} ${pad(esc(r.comm), 16)} ${pad(credCall(c), 10)} ${credChanges(c)}${who}`;
  },
};

export function credsView(): View {
  let seen = false;
  return {
    tables: [table],
    probes: ['cred'],
    kinds: ['cred'],
    tree: false,
    record(r: Record, ctx: ViewContext) {
      if (r.body !== 'cred') return;
      seen = true;
      ctx.out.row(table, r, ctx);
    },
    end(ctx) {
      if (seen) return;
      const probe = (ctx.header.probes ?? []).some((p) => p.name === 'cred');
      ctx.warn(probe ? 'no credential changes in this capture' : 'this capture was recorded without the cred probe (an older secrec): it holds no credential changes');
    },
  };
}
