// `secanalyze creds` and the cred kind in the timeline and the export rows, on captures written
// through the real writer; an old capture (no cred probe) reads as before, with a note.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { runView, writeCapture, HEADER } from '../../helpers.js';
import { kindView } from '../../../analyzer/views/kinds.js';
import { kind as cred } from '../../../analyzer/kinds/cred.js';
import { HostTimeline, hostTimelineView } from '../../../analyzer/views/hosttimeline.js';
import { CaptureRows } from '../../../analyzer/schema/rows.js';
import { TABLES } from '../../../analyzer/schema/tables.js';
import { pb, type RecordInit, type CaptureRecord } from '../../../format/index.js';

const b = (s: string) => Buffer.from(s);
const S = 1e9;
const CALL = pb.CredCall;
const ROOT = { oldUid: 0, oldEuid: 0, oldSuid: 0, oldFsuid: 0, oldGid: 0, oldEgid: 0, oldSgid: 0, oldFsgid: 0 };

function capture(): string {
  const recs: RecordInit[] = [
    { ts: 0, pid: 700, tid: 700, ppid: 1, uid: 1000, comm: b('bash'), process: { exe: b('/bin/bash'), start: -S } },
    { ts: 1 * S, pid: 700, tid: 700, ppid: 1, uid: 1000, comm: b('bash'), fork: { childPid: 701, childTid: 701 } },
    // alice's exploit makes itself root: uid 1000 -> 0 (comm carries an escape sequence)
    { ts: 2 * S, pid: 701, tid: 701, ppid: 700, uid: 0, gid: 1000, comm: b('x\x1b[2Jpl'), cred: {
      call: CALL.CRED_CALL_SETRESUID, oldUid: 1000, oldEuid: 1000, oldSuid: 1000, oldFsuid: 1000, oldGid: 1000, oldEgid: 1000, oldSgid: 1000, oldFsgid: 1000,
      uid: 0, euid: 0, suid: 0, fsuid: 0, gid: 1000, egid: 1000, sgid: 1000, fsgid: 1000 } },
    // root drops to nobody's fs id only
    { ts: 3 * S, pid: 701, tid: 701, ppid: 700, uid: 0, comm: b('nfsd'), cred: { call: CALL.CRED_CALL_SETFSUID, ...ROOT, fsuid: 65534 } },
  ];
  return writeCapture(recs, { header: { ...HEADER, probes: [...HEADER.probes!, { name: 'cred', attached: true }] } }).path;
}

describe('creds view', () => {
  it('text: the call and the ids that changed, escaped, with the user names', async () => {
    const { text, warnings } = await runView(capture(), kindView(cred));
    const lines = text.trim().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+PID\s+COMM\s+CALL\s+CHANGE$/);
    expect(lines[1]).toMatch(/^\S+\s+701\s+x\\e\[2Jpl\s+setresuid\s+uid 1000→0, euid 1000→0, suid 1000→0, fsuid 1000→0 \(user alice→root\)$/);
    expect(lines[2]).toMatch(/^\S+\s+701\s+nfsd\s+setfsuid\s+fsuid 0→65534$/);
    expect(lines).toHaveLength(3);
    expect(text).not.toContain('\x1b');
    expect(warnings).toEqual([]);
  });

  it('--json: one object a change, every id before and after', async () => {
    const { text } = await runView(capture(), kindView(cred), { json: true });
    const rows = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows[0]).toMatchObject({ pid: 701, ppid: 700, call: 'setresuid', user_before: 'alice', user_after: 'root',
      old_uid: 1000, old_euid: 1000, old_suid: 1000, old_fsuid: 1000, old_gid: 1000, new_uid: 0, new_euid: 0, new_suid: 0, new_fsuid: 0, new_gid: 1000 });
    expect(rows[1]).toMatchObject({ call: 'setfsuid', old_fsuid: 0, new_fsuid: 65534, new_uid: 0 });
  });

  it('an old capture (fixtures/incident.cap, no cred probe): nothing, and says why', async () => {
    const { text, warnings } = await runView('fixtures/incident.cap', kindView(cred));
    expect(text).toBe('');
    expect(warnings.join('\n')).toMatch(/without the cred probe/);
    expect(execFileSync('node', ['dist/analyzer/cli.js', 'creds', 'fixtures/incident.cap', '--json'], { encoding: 'utf8' })).toBe('');
  });

  it('the CLI runs it', () => {
    const out = execFileSync('node', ['dist/analyzer/cli.js', 'creds', capture()], { encoding: 'utf8' });
    expect(out).toContain('setresuid');
  });
});

describe('cred in the timeline and the export rows', () => {
  it('timeline: a marked line for each change', async () => {
    const { text } = await runView(capture(), hostTimelineView(new HostTimeline()));
    expect(text).toMatch(/!! setresuid: uid 1000→0, euid 1000→0, suid 1000→0, fsuid 1000→0 \(x\\e\[2Jpl pid 701\)/);
    expect(text).toMatch(/!! setfsuid: fsuid 0→65534 \(nfsd pid 701\)/);
  });

  it('export: a creds row with every documented column', () => {
    const rows = new CaptureRows(HEADER);
    const r = pb.Record.decode(pb.Record.encode({ ts: 2 * S, pid: 701, tid: 701, uid: 0, comm: b('x'), cred: { call: CALL.CRED_CALL_SETUID, oldUid: 1000, oldEuid: 1000, oldGid: 5 } }).finish()) as CaptureRecord;
    const got = rows.row(r)!;
    expect(got[0]).toBe('creds');
    expect(Object.keys(got[1]).sort()).toEqual(TABLES.creds.columns.map((c) => c.name).sort());
    expect(got[1]).toMatchObject({ call: 'setuid', old_uid: 1000, new_uid: 0, old_euid: 1000, new_euid: 0, old_gid: 5, new_gid: 0 });
  });
});
