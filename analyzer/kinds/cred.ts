// Credential changes (bpf/cred.bpf.c, recorder/probes/cred.ts): set*uid/set*gid calls that changed
// an id, with the ids before and after. The creds table, the host timeline's line and `secanalyze
// creds` ("HH:MM:SS PID COMM CALL uid 1000→0, euid 1000→0 (user alice→root)").
import { pb } from '../../format/index.js';
import { c } from '../schema/column.js';
import { esc, pad, userName } from '../text.js';
import { defineKind, type Body } from './types.js';

type Cred = Body<'cred'>;
/** The eight ids of a record, in the order they are shown: [name, before, after]. */
const CRED_IDS = ['uid', 'euid', 'suid', 'fsuid', 'gid', 'egid', 'sgid', 'fsgid'] as const;
const OLD = { uid: 'oldUid', euid: 'oldEuid', suid: 'oldSuid', fsuid: 'oldFsuid', gid: 'oldGid', egid: 'oldEgid', sgid: 'oldSgid', fsgid: 'oldFsgid' } as const;

/** setuid, setresgid, ... (the number when a newer recorder wrote a call this reader does not know). */
function credCall(x: Cred): string {
  const n = x.call ?? 0;
  return pb.CredCall[n]?.replace(/^CRED_CALL_/, '').toLowerCase() ?? `call ${n}`;
}

/** The ids that changed: "uid 1000→0, euid 1000→0". */
function credChanges(x: Cred): string {
  return CRED_IDS.map((name) => ({ name, before: x[OLD[name]] ?? 0, after: x[name] ?? 0 }))
    .filter((i) => i.before !== i.after).map((i) => `${i.name} ${i.before}→${i.after}`).join(', ') || 'no id changed';
}

export const kind = defineKind({
  body: 'cred',
  probe: 'cred',
  table: {
    name: 'creds',
    doc: 'One row per credential change: a set*uid/set*gid call that changed an id (kernel ids, initial user namespace).',
    columns: [
      c('call', 'str', '', 'setuid, setgid, setreuid, setregid, setresuid, setresgid, setfsuid or setfsgid'),
      ...CRED_IDS.flatMap((id) => [c(`old_${id}`, 'u32', '', `${id} before the call`), c(`new_${id}`, 'u32', '', `${id} after the call (uid, gid: as the row's uid, gid)`)]),
    ],
  },
  fields: {
    cols: [['call', ['val', 'H.credCall(x)']], ...CRED_IDS.flatMap((id) => [[`old_${id}`, ['val', `x.${OLD[id]} ?? 0`]], [`new_${id}`, ['val', `x.${id} ?? 0`]]] as const)],
  },
  helpers: { credCall },
  timeline: { item: 'cred', text: (x, r) => `!! ${credCall(x)}: ${credChanges(x)} (${esc(r.comm)} pid ${r.pid})` },
  view: {
    command: 'creds',
    summary: 'credential changes: set*uid/set*gid calls with the ids before and after',
    none: 'credential changes',
    extra: [
      { name: 'user_before', type: 'str', doc: 'user name of the effective uid before the call; null when unknown' },
      { name: 'user_after', type: 'str', doc: 'user name of the effective uid after the call; null when unknown' },
    ],
    more: (x, _r, ctx) => ({ user_before: ctx.users.get(x.oldEuid ?? 0) ?? null, user_after: ctx.users.get(x.euid ?? 0) ?? null }),
    header: () => `${pad('TIME', 9)} ${pad('PID', 7)} ${pad('COMM', 16)} ${pad('CALL', 10)} CHANGE`,
    text(x, r, ctx) {
      const who = (x.oldEuid ?? 0) !== (x.euid ?? 0) ? ` (user ${esc(userName(ctx.users, x.oldEuid ?? 0))}→${esc(userName(ctx.users, x.euid ?? 0))})` : '';
      return `${pad(ctx.clock.hms(r.ts), 9)} ${pad(String(r.pid), 7)} ${pad(esc(r.comm), 16)} ${pad(credCall(x), 10)} ${credChanges(x)}${who}`;
    },
  },
});
