// schema/lines.ts, guarded (the views' --json): a record's NDJSON line is, byte for byte, the guarded jsonLine of
// its row, for every event table, on the fixture and on hostile values (terminal controls, bytes
// that are not UTF-8, values past the cached length, empty and repeated ones).
import { describe, expect, it } from 'vitest';
import { CaptureReader, type RecordInit } from '../../../format/index.js';
import { CaptureRows, HELPERS, rowOf, type RowContext } from '../../../analyzer/schema/rows.js';
import { lineWriter, recordLine } from '../../../analyzer/schema/lines.js';
import type { EventTable } from '../../../analyzer/schema/fields.js';
import { TABLES } from '../../../analyzer/schema/tables.js';
import { jsonLine } from '../../../analyzer/schema/views.js';
import { guard } from '../../../analyzer/text.js';
import { writeCapture } from '../../helpers.js';

const b = (s: string | number[]) => Buffer.from(s as never);
const ODD = [b('x\x1b]0;pwned\x07'), b([0x2f, 0x78, 0xff, 0xfe]), b('/tmp/\u202egpj.exe\u2028'), b('a"b\\c'), b(''), b('/'.repeat(65)), b('é'.repeat(40)), b('plain')];

function hostile(): string {
  const recs: RecordInit[] = [{ ts: 0, pid: 5, tid: 5, ppid: 1, uid: 0, comm: b('init'), process: { exe: b('/sbin/init'), argv: [b('init')], start: -1e9 } }];
  let ts = 1;
  for (let i = 0; i < 3; i++) {
    for (const v of ODD) {
      const r = { ts: ts += 1000, pid: 5, tid: 5 + i, ppid: 1, uid: 1000, gid: 7, cpu: 1, cgroup: 2 ** 40 + i, comm: v };
      recs.push({ ...r, open: { path: v, dir: v, ret: i ? 3 : -13, flags: 0o101, mode: 0o644, dirfd: -100, call: i, pathTruncated: i === 1 } },
        { ...r, exec: { filename: v, argv: [v, b('-c'), v], argc: 3, ino: '18446744073709551615', dev: 5, interp: v, commBefore: v } },
        { ...r, ttyWrite: { rdev: 136 << 20, fd: 1, isTty: true, data: v, len: v.length + i } },
        { ...r, syscallError: { nr: 257, errno: 13, abi: i & 1 } }, { ...r, readline: { line: v } }, { ...r, moduleLoad: { name: v, taints: 1 } },
        { ...r, cred: { call: 4, oldUid: 1000, uid: 0 } }, { ...r, lost: { probe: 'open', lane: 'bulk', count: 3 } });
    }
  }
  recs.push({ ts: ts += 1000, pid: 5, tid: 5, ppid: 1, uid: 0, comm: b('init'), fork: { childPid: 9, childTid: 9 } },
    { ts: ts += 1000, pid: 9, tid: 9, ppid: 5, uid: 0, comm: b('init'), exit: { code: 1, signal: 9, coreDumped: true } });
  return writeCapture(recs).path;
}


/** The line the guarded byte writer gives for r in table t. */
function recordJson(t: EventTable, r: unknown, rc: RowContext): string {
  const out: Buffer[] = [];
  const w = lineWriter(t, 'json', (b) => { out.push(Buffer.from(b)); }, true);
  recordLine(t, 'json')(r, rc, HELPERS, w);
  w.drain();
  return Buffer.concat(out).toString('utf8').slice(0, -1);
}

async function compare(file: string): Promise<Set<string>> {
  const reader = new CaptureReader(file);
  let rows: CaptureRows | null = null;
  const seen = new Set<string>();
  for await (const r of reader.records()) {
    rows ??= new CaptureRows(reader.header);
    const rc = rows.ctx;
    rows.each(r, (t) => {
      expect(recordJson(t, r, rc)).toBe(guard(jsonLine(TABLES[t].columns, rowOf(t)(r, rc))));
      seen.add(t);
    });
  }
  return seen;
}

describe('lineWriter, guarded', () => {
  it('writes the fixture\'s records as jsonLine of their rows', async () => {
    expect((await compare('fixtures/incident.cap')).size).toBeGreaterThan(3);
  });
  it('writes hostile values as jsonLine of their rows, guarded, in every event table', async () => {
    expect([...await compare(hostile())].sort()).toEqual(['creds', 'execs', 'exits', 'forks', 'lost', 'modules', 'opens', 'readline', 'syscall_errors', 'tty_writes']);
  });
});
