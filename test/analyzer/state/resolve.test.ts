// A PID held by two processes during the capture: views that follow one process take PID@START or
// PID#N, list the candidates when a bare PID is ambiguous, and never pick one silently.
import { describe, it, expect } from 'vitest';
import { runView, writeCapture } from '../../helpers.js';
import { cli } from '../run-cli.js';
import { treeView } from '../../../analyzer/views/tree.js';
import { parseProcSpec, resolveProc } from '../../../analyzer/state/resolve.js';
import { ProcessTree } from '../../../analyzer/state/processes.js';
import type { RecordInit } from '../../../format/index.js';

const b = (s: string) => Buffer.from(s);
const S = 1e9;
const PTS0 = 136 << 20;
const write = (ts: number, pid: number, text: string): RecordInit => ({ ts, pid, tid: pid, ppid: 10, comm: b('bash'), ttyWrite: { fd: 1, isTty: true, rdev: PTS0, data: b(text), len: text.length } });

function reuse(): string {
  const recs: RecordInit[] = [
    { ts: 0.5 * S, pid: 10, tid: 10, comm: b('sshd'), fork: { childPid: 400, childTid: 400 } },
    { ts: 1 * S, pid: 400, tid: 400, ppid: 10, comm: b('bash'), exec: { filename: b('/bin/bash'), argv: [b('bash'), b('-i')] } },
    write(2 * S, 400, 'first session\n'),
    { ts: 3 * S, pid: 400, tid: 400, ppid: 10, comm: b('bash'), exit: { code: 0, start: 0.5 * S } },
    { ts: 4.5 * S, pid: 10, tid: 10, comm: b('sshd'), fork: { childPid: 400, childTid: 400 } },
    { ts: 5 * S, pid: 400, tid: 400, ppid: 10, comm: b('bash'), exec: { filename: b('/bin/bash'), argv: [b('bash'), b('--login')] } },
    write(6 * S, 400, 'second session\n'),
    { ts: 7 * S, pid: 400, tid: 400, ppid: 10, comm: b('bash'), exit: { code: 3, start: 4.5 * S } },
  ];
  return writeCapture(recs).path;
}

describe('PID@START', () => {
  it('parses the forms and refuses others as usage errors', () => {
    expect(parseProcSpec('400')).toEqual({ pid: 400, text: '400' });
    expect(parseProcSpec('400@4.5')).toEqual({ pid: 400, start: '4.5', text: '400@4.5' });
    expect(parseProcSpec('400@-3.25')).toEqual({ pid: 400, start: '-3.25', text: '400@-3.25' });
    expect(parseProcSpec('400#2')).toEqual({ pid: 400, nth: 2, text: '400#2' });
    expect(() => parseProcSpec('bash')).toThrow(/give PID, PID@START/);
  });

  it('lists the candidates of an ambiguous PID, with their commands and lifetimes', () => {
    const t = new ProcessTree();
    t.observe({ ts: 1, pid: 1, tid: 1, ppid: 0, uid: 0, comm: b('a'), body: 'fork', fork: { childPid: 9, childTid: 9 } } as never);
    t.observe({ ts: 2, pid: 9, tid: 9, ppid: 1, uid: 0, comm: b('a'), body: 'exit', exit: { code: 0, start: 1 } } as never);
    t.observe({ ts: 3e9, pid: 1, tid: 1, ppid: 0, uid: 0, comm: b('a'), body: 'fork', fork: { childPid: 9, childTid: 9 } } as never);
    expect(() => resolveProc(t, parseProcSpec('9'))).toThrow(/PID 9 was held by 2 processes during the capture; name one:\n {2}9@0\.000 .*\n {2}9@3\.000/);
    expect(resolveProc(t, parseProcSpec('9@3')).start).toBe(3e9);
    expect(resolveProc(t, parseProcSpec('9#1')).start).toBe(1);
    expect(() => resolveProc(t, parseProcSpec('9@7'))).toThrow(/no process 9@7 in this capture; PID 9 was held by/);
    expect(() => resolveProc(t, parseProcSpec('8'))).toThrow(/no process 8 in this capture/);
  });

  it('ancestry, shell and replay refuse a reused bare PID and follow PID@START', async () => {
    const f = reuse();
    for (const cmd of ['ancestry', 'shell', 'replay']) {
      const r = cli([cmd, f, '400']);
      expect(r.code, cmd).toBe(2);
      expect(r.stderr).toMatch(/PID 400 was held by 2 processes during the capture; name one:/);
      expect(r.stderr).toMatch(/400@0\.500 +bash -i +\(started \+0\.500s, ended \+3\.000s\)/);
      expect(r.stderr).toMatch(/400@4\.500 +bash --login/);
      expect(r.stdout).toBe('');
    }
    const anc = cli(['ancestry', f, '400@4.5']);
    expect(anc.code).toBe(0);
    await expect(anc.stdout).toMatchFileSnapshot('../../golden/pid-reuse-ancestry.txt');
    const second = cli(['replay', f, '400@4.500']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('second session');
    expect(second.stdout).not.toContain('first session');
    const first = cli(['shell', f, '400#1', '--escape']);
    expect(first.stdout).toBe('first session\\n\n');
    expect(first.stderr).toMatch(/recorded without --stdio/);
    const legacy = cli([f, '--replay', '400@0.5']);
    expect(legacy.stdout).toContain('first session');
    const tree = cli(['tree', f, '--pid', '400']);
    expect(tree.stderr).toMatch(/PID 400 was held by 2 processes; showing each \(name one: 400@0\.500, 400@4\.500\)/);
  });

  it('an unknown PID is an error, not an empty script', () => {
    const r = cli(['replay', reuse(), '99999']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no process 99999 in this capture/);
    expect(r.stdout).toBe('');
  });

  it('tree run time uses the exact start of the exit record, not the coarse /proc one', async () => {
    const f = writeCapture([
      { ts: 0, pid: 77, tid: 77, ppid: 1, comm: b('sleep'), process: { start: -2 * S, argv: [b('sleep'), b('9')], exe: b('/bin/sleep') } },
      { ts: 1 * S, pid: 77, tid: 77, ppid: 1, comm: b('sleep'), exit: { code: 0, start: -1.987654321 * S } },
    ]).path;
    const line = (await runView(f, treeView({ maxArgs: 20 }), { json: true })).text.trim().split('\n').find((l) => JSON.parse(l).pid === 77)!;
    const ns = (col: string) => BigInt(new RegExp(`"${col}":(\\d+)`).exec(line)![1]!); // i64 digits, exact (JSON.parse would round)
    expect(ns('exit_ns') - ns('start_ns')).toBe(2_987_654_321n);
    expect(JSON.parse(line).line).toContain('ran 2.988s');
  });
});
