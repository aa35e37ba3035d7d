// The process tree at scale, in the shapes a hostile or busy capture takes: a snapshot in shuffled
// order (children before their parents, one parent awaited by one, two or hundreds of children),
// parent cycles, self-parented records, and command lines with bytes that must be escaped (controls,
// backslashes, UTF-8, invalid bytes, a NUL inside an argument). The tree's text lines must say what
// its JSON rows say (the reference: execArgs and esc over the bytes), line for line.
import { describe, it, expect } from 'vitest';
import { runView, writeCapture } from '../../helpers.js';
import { treeView } from '../../../analyzer/views/tree.js';
import { esc } from '../../../analyzer/text.js';
import type { RecordInit } from '../../../format/index.js';

const b = (s: string) => Buffer.from(s);
let seed = 7;
const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed >>> 8) % n; };
const PIECES = ['a', 'run', '/x', ' ', '"', '\\', '\\n', '\x1b[2J', 'é', '\u202e', '\x7f', '-', '=', '\t'];
function bytes(): Buffer {
  if (rand(20) === 0) return Buffer.from([0x66, 0xff, 0xc3]); // invalid UTF-8
  if (rand(40) === 0) return Buffer.from('a\0b'); // a NUL inside one argument (forged)
  let s = '';
  for (let i = rand(4); i >= 0; i--) s += PIECES[rand(PIECES.length)]!;
  return b(s);
}

function capture(n: number): { path: string; cycles: number } {
  const recs: RecordInit[] = [];
  const HUB = 2;
  let cycles = 0;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) { const j = rand(i + 1); [order[i], order[j]] = [order[j]!, order[i]!]; }
  for (const i of order) {
    const pid = i + 2;
    let ppid = i === 0 ? 1 : i % 7 === 0 ? HUB : rand(i) + 2; // a hub awaited by hundreds
    if (i % 97 === 5) ppid = 999_999; // a parent never seen: stays a root
    if (i % 101 === 3) { ppid = pid; cycles++; } // self-parented
    if (i % 89 === 11) ppid = pid + 1; // names its neighbour, which names it back: a cycle
    if (i % 89 === 12) ppid = pid - 1;
    const argv = Array.from({ length: rand(5) }, bytes);
    const exe = rand(9) ? b(`/usr/bin/w${i % 13}`) : rand(2) ? Buffer.alloc(0) : bytes();
    recs.push({ ts: 0, pid, tid: pid, ppid, uid: i % 3 ? 0 : 1000, comm: rand(10) ? b('worker') : bytes().subarray(0, 15), process: { start: i, exe, argv } });
  }
  for (let i = 0; i < n; i += 5) {
    const pid = i + 2;
    const script = b(`/tmp/s${i % 4}.sh`);
    if (i % 10 === 0) {
      recs.push({ ts: 1000 + i, pid, tid: pid, ppid: 0, comm: b('sh'), exec: { filename: script, interp: b('/bin/sh'), argv: [b('/bin/sh'), ...(i % 20 ? [] : [b('-e')]), script, bytes()], ret: i % 30 ? 0 : -2 } });
    } else {
      recs.push({ ts: 1000 + i, pid, tid: pid, ppid: 0, comm: b('worker'), open: { path: b('/etc/passwd'), ret: 3 } });
    }
  }
  return { path: writeCapture(recs).path, cycles };
}

/** A --json row of tree: the schema's processes columns, depth, cycle_parent and the text line. */
interface Row { pid: number; uid: number; user: string | null; comm_text: string | null; parent_inferred: boolean; cycle_parent: number | null; depth: number; exit_code: number | null; exit_signal: number | null; line: string }

/** What the line must say for the row's columns. */
function expected(d: Row): string[] {
  return [`[pid ${d.pid}, ${esc(d.user ?? String(d.uid))}, `, ...(d.exit_code !== null && !d.exit_signal ? [` exit ${d.exit_code}`] : []),
    ...(d.parent_inferred ? [' (parent inferred)'] : []), ...(d.cycle_parent !== null ? [` (claims parent ${d.cycle_parent}: refused, it closes a cycle)`] : [])];
}

describe('process tree at scale (issues 13, 15)', () => {
  const N = 4000;
  const { path, cycles } = capture(N);
  for (const all of [true, false]) {
    it(`tree${all ? ' --all' : ''}: text lines say what the JSON rows say, each process once, cycles refused`, async () => {
      const text = (await runView(path, treeView({ maxArgs: 3, all }))).text.split('\n').slice(0, -1);
      const rows = (await runView(path, treeView({ maxArgs: 3, all }), { json: true })).text.split('\n').slice(0, -1).map((l) => JSON.parse(l) as Row);
      expect(text.length).toBe(rows.length);
      expect(new Set(rows.map((r) => r.pid)).size).toBe(rows.length);
      if (all) {
        expect(rows.length).toBeGreaterThan(N * 0.9);
        expect(rows.filter((r) => r.cycle_parent !== null).length).toBeGreaterThanOrEqual(cycles);
      }
      let escaped = 0;
      rows.forEach((r, i) => {
        const line = text[i]!;
        expect(line.endsWith(r.line), `line ${i}: ${line}\nrow: ${r.line}`).toBe(true);
        for (const part of expected(r)) expect(r.line, `line ${i}`).toContain(part);
        expect(line.slice(0, line.length - r.line.length)).toMatch(/^(?:(?:│ {2}| {3})*[├└]─ )?$/);
        if (/\\/.test(r.line)) escaped++;
      });
      expect(escaped).toBeGreaterThan(all ? 100 : 10);
    });
  }
});
