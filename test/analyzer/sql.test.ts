// Differential: SQL over the exported schema gives the same answers as the native views, on the
// fixture and on a synthetic capture with pid reuse, failed execs and hostile bytes.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import type { RecordInit } from '../../format/index.js';
import { sql } from '../../analyzer/sql.js';
import { execsView } from '../../analyzer/views/execs.js';
import { epermView } from '../../analyzer/views/eperm.js';
import { treeView } from '../../analyzer/views/tree.js';
import { runView, writeCapture } from '../helpers.js';

const FIX = 'fixtures/incident.cap';
const lines = (t: string): any[] => t.split('\n').filter(Boolean).map((l) => JSON.parse(l));
const b = (s: string | number[]): Buffer => (typeof s === 'string' ? Buffer.from(s) : Buffer.from(s));

/** A capture with what the views must get right: pid reuse, failed execs, denials, odd bytes. */
function synthetic(): string {
  const r: RecordInit[] = [];
  let ts = 1000;
  const ev = (pid: number, ppid: number, uid: number, comm: Buffer, body: Partial<RecordInit>): void => {
    r.push({ ts: (ts += 1000), pid, tid: pid, uid, ppid, comm, ...body } as RecordInit);
  };
  r.push({ ts: 0, pid: 1, tid: 1, ppid: 0, comm: b('init'), process: { exe: b('/sbin/init'), argv: [b('/sbin/init')], start: -5e9 } });
  r.push({ ts: 0, pid: 100, tid: 100, ppid: 1, uid: 1000, comm: b('bash'), process: { exe: b('/bin/bash'), argv: [b('-bash')], start: -2e9 } });
  for (let round = 0; round < 3; round++) {
    const child = 200; // the same pid each round: reused
    ev(100, 1, 1000, b('bash'), { fork: { childPid: child, childTid: child } });
    ev(child, 100, 1000, b('bash'), { exec: { filename: b('/tmp/x'), argv: [b('x')], ret: -13, source: 1 } });
    ev(child, 100, 1000, b([0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xff]), { exec: { filename: b(`/usr/bin/t${round}`), argv: [b(`t${round}`), b('a\tb'), b([0xc3, 0x28])], ret: 0, ino: '12345678901234567890' } });
    for (let k = 0; k <= round; k++) ev(child, 100, 1000, b('t'), { syscallError: { nr: k % 2 ? 105 : 257, errno: k % 2 ? 1 : 13 } });
    ev(child, 100, 1000, b('t'), { exit: { code: round, start: ts - 4000 } });
  }
  ev(300, 77, 0, b('orphan'), { syscallError: { nr: 101, errno: 1 } }); // parent inferred
  return writeCapture(r).path;
}

const SYN = synthetic();

describe.each([['fixture', FIX], ['synthetic', SYN]])('SQL = views on the %s', (_name, file) => {
  it('exec list = execs -x', async () => {
    const view = lines((await runView(file, execsView({ fails: true, maxArgs: 1000 }), { json: true })).text)
      .map((e) => ({ pid: e.pid, ppid: e.ppid, ret: e.ret, filename: e.filename, argv: e.argv }));
    const q = await sql('SELECT pid, ppid, ret, filename, argv FROM execs ORDER BY offset_ns', [file]);
    const b64 = (x: Uint8Array) => Buffer.from(x).toString('base64');
    const got = q.rows.map(([pid, ppid, ret, filename, argv]) => ({ pid, ppid, ret, filename: b64(filename as Uint8Array), argv: (argv as Uint8Array[]).map(b64) }));
    expect(got.length).toBeGreaterThan(0);
    expect(got).toEqual(view);
  });

  it('EPERM/EACCES counts = eperm', async () => {
    const view = lines((await runView(file, epermView('comm-syscall'), { json: true })).text)
      .map((e) => `${e.errno_name} ${e.comm} ${e.syscall} ${e.count}`).sort();
    const q = await sql("SELECT errno_name, comm, syscall, count(*) FROM syscall_errors WHERE errno IN (1, 13) GROUP BY ALL", [file]);
    const got = q.rows.map(([e, comm, s, n]) => `${e} ${Buffer.from(comm as Uint8Array).toString('base64')} ${s} ${n}`).sort();
    expect(got.length).toBeGreaterThan(0);
    expect(got).toEqual(view);
  });

  it('tree parents = tree', async () => {
    // The view prints depth-first with a depth: each line's parent is the last line one level up.
    const stack: number[] = [];
    const view: string[] = [];
    for (const p of lines((await runView(file, treeView({ maxArgs: 20 }), { json: true })).text)) {
      stack.length = p.depth;
      view.push(`${p.pid}<${p.depth ? stack[p.depth - 1] : 'root'}`);
      stack.push(p.pid);
    }
    const q = await sql(`SELECT p.pid, q.pid FROM processes p LEFT JOIN processes q ON p.parent = q.process
      WHERE p.process IN (SELECT process FROM processes WHERE events > 0 OR execs > 0 OR origin <> 'snapshot' OR exit_ns IS NOT NULL)
         OR p.process IN (SELECT parent FROM processes WHERE parent IS NOT NULL)`, [file]);
    const sqlPairs = new Set(q.rows.map(([pid, parent]) => `${pid}<${parent ?? 'root'}`));
    expect(view.length).toBeGreaterThan(3);
    for (const pair of view) expect(sqlPairs, pair).toContain(pair);
  });
});

describe('sql command', () => {
  it('runs over many captures by glob, with --csv and --json', async () => {
    const dir = SYN.replace(/\/[^/]+$/, '');
    const csv = execFileSync('node', ['dist/analyzer/cli.js', 'sql', 'SELECT hostname, count(*) AS n FROM execs GROUP BY 1', `${dir}/*.cap`, FIX, '--csv'], { encoding: 'utf8' });
    expect(csv.split('\n')[0]).toBe('hostname,n');
    expect(csv).toContain('victim,6');
    const json = execFileSync('node', ['dist/analyzer/cli.js', 'sql', 'SELECT ts_ns, comm, comm_text FROM execs WHERE ret = 0 ORDER BY ts_ns LIMIT 1', SYN, '--json'], { encoding: 'utf8' });
    const o = JSON.parse(json);
    expect(o.ts_ns).toBe('1700000000000004000'); // exact beyond 2^53
    expect(Buffer.from(o.comm, 'base64')).toEqual(Buffer.from([0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xff])); // raw bytes
    expect(o.comm_text).toBeNull(); // not valid UTF-8
    const table = execFileSync('node', ['dist/analyzer/cli.js', 'sql', 'SELECT comm FROM execs WHERE ret = 0 LIMIT 1', SYN], { encoding: 'utf8' });
    expect(table).not.toContain('\x1b'); // terminal text is escaped
  });
});
