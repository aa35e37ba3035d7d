// Credential changes (the cred kind) in words: the call's name and the ids it changed. Shared by the
// creds view, the host timeline and the creds table's fields; depends on nothing of the analyzer.
import { pb, type Record } from '../../format/index.js';

type Cred = NonNullable<Record['cred']>;
/** The eight ids of a record, in the order they are shown: [name, before, after]. */
const CRED_IDS = ['uid', 'euid', 'suid', 'fsuid', 'gid', 'egid', 'sgid', 'fsgid'] as const;
const OLD = { uid: 'oldUid', euid: 'oldEuid', suid: 'oldSuid', fsuid: 'oldFsuid', gid: 'oldGid', egid: 'oldEgid', sgid: 'oldSgid', fsgid: 'oldFsgid' } as const;

function credIds(c: Cred): { name: typeof CRED_IDS[number]; before: number; after: number }[] {
  return CRED_IDS.map((name) => ({ name, before: c[OLD[name]] ?? 0, after: c[name] ?? 0 }));
}

/** setuid, setresgid, ... (the number when a newer recorder wrote a call this reader does not know). */
export function credCall(c: Cred): string {
  const n = c.call ?? 0;
  return pb.CredCall[n]?.replace(/^CRED_CALL_/, '').toLowerCase() ?? `call ${n}`;
}

/** The ids that changed: "uid 1000→0, euid 1000→0". */
export function credChanges(c: Cred): string {
  return credIds(c).filter((i) => i.before !== i.after).map((i) => `${i.name} ${i.before}→${i.after}`).join(', ') || 'no id changed';
}
