// The render stage (analyzer/render.ts): every tabular view's --json rows carry its table's
// columns (schema + its own) with the schema's types, --csv parses back to the same rows, text
// escapes captured strings while JSON and CSV keep them raw.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { runView, writeCapture } from '../../helpers.js';
import type { View } from '../../../analyzer/pipeline.js';
import { columnsOf, type ViewColumn, type ViewTable } from '../../../analyzer/schema/views.js';
import { execsView } from '../../../analyzer/views/execs.js';
import { opensView } from '../../../analyzer/views/opens.js';
import { elfView } from '../../../analyzer/views/elf.js';
import { commandView, kindView } from '../../../analyzer/views/kinds.js';
import { KINDS } from '../../../analyzer/kinds/index.js';
import { epermView, type EpermKey } from '../../../analyzer/views/eperm.js';
import { shellView, ttyView } from '../../../analyzer/views/terminal.js';
import { timelineView } from '../../../analyzer/views/timeline.js';
import { HostTimeline, hostTimelineView } from '../../../analyzer/views/hosttimeline.js';
import { treeView } from '../../../analyzer/views/tree.js';
import type { RecordInit } from '../../../format/index.js';

const FIX = 'fixtures/incident.cap';
const b = (s: string | number[]) => Buffer.from(s as never);
const PTS = 136 << 20;

// Captured strings a terminal must never see raw: OSC title, BEL, CSI as one C1 byte (U+009B),
// a right-to-left override (U+202E); and bytes that are not UTF-8 at all.
const COMM = b('x\x1b]0;pwned\x07');
const FILE = Buffer.concat([b('/tmp/'), b([0xe2, 0x80, 0xae]), b('gpj.exe')]);
const ARG = Buffer.concat([b('a'), b([0xc2, 0x9b]), b('31m\nb')]);
const BAD = b([0x2f, 0x78, 0xff, 0xfe]);

function hostile(): string {
  const r = (ts: number, body: Partial<RecordInit>): RecordInit => ({ ts, pid: 77, tid: 77, ppid: 1, uid: 1000, comm: COMM, ...body });
  return writeCapture([
    { ts: 0, pid: 77, tid: 77, ppid: 1, uid: 1000, comm: b('bash'), process: { exe: b('/bin/bash'), argv: [b('bash')], start: -1e9 } },
    r(1e6, { readline: { line: ARG } }),
    { ...r(2e6, { fork: { childPid: 78, childTid: 78 } }), comm: b('bash') },
    { ...r(3e6, { exec: { filename: FILE, argv: [FILE, ARG, b('')], argc: 3, ino: '12', dev: 5, unreadableArgs: [2] } }), pid: 78, tid: 78, ppid: 77 },
    { ...r(4e6, { open: { path: BAD, flags: 0o101, mode: 0o644, ret: -13 } }), pid: 78, tid: 78, ppid: 77 },
    { ...r(4e6 + 10, { syscallError: { nr: 257, errno: 13 } }), pid: 78, tid: 78, ppid: 77 },
    { ...r(5e6, { ttyWrite: { rdev: PTS, fd: 1, isTty: true, data: ARG, len: ARG.length } }), pid: 78, tid: 78, ppid: 77 },
    { ...r(6e6, { moduleLoad: { name: ARG, taints: 1 } }), pid: 78, tid: 78, ppid: 77 },
    { ...r(7e6, { cred: { call: 4, oldUid: 1000, uid: 0, oldEuid: 1000, euid: 0, oldSuid: 1000, suid: 0 } }), pid: 78, tid: 78, ppid: 77 },
  ]).path;
}
const HOSTILE = hostile();

/** Every tabular view, as the commands build them. */
const VIEWS: [string, () => View, string[]?][] = [
  ['execs -x', () => execsView({ fails: true, maxArgs: 20 })],
  ['opens', () => opensView({})],
  ['elf -x', () => elfView({ fails: true })],
  ['modules', () => commandView('modules')],
  ['readline', () => commandView('readline')],
  ...(['comm-syscall', 'syscall', 'comm', 'pid', 'uid'] as EpermKey[]).map((k): [string, () => View] => [`eperm --by ${k}`, () => epermView(k)]),
  ['eperm --list', () => epermView('comm-syscall', { list: true })],
  ['tty', () => ttyView('pts/0', {})],
  ['shell', () => shellView(77, false, {})],
  ['sessions', () => timelineView()],
  ['timeline', () => hostTimelineView(new HostTimeline())],
  ['tree', () => treeView({ maxArgs: 20 })],
  ['ancestry', () => treeView({ maxArgs: 20, ancestry: 78 }), [HOSTILE]],
  // every kind's command (analyzer/kinds/): HOSTILE has a record of each body kind
  ...KINDS.flatMap((k): [string, () => View, string[]][] => (k.view ? [[k.view.command, () => kindView(k), [HOSTILE]]] : [])),
];

const isBase64 = (v: unknown): boolean => typeof v === 'string' && Buffer.from(v, 'base64').toString('base64') === v;
const int = (v: unknown, lo: number, hi: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;

/** A JSON value fits its column's type (null fits any: unknown or not applicable). */
function fits(v: unknown, c: ViewColumn): boolean {
  if (v === null) return true;
  switch (c.type) {
    case 'str': return typeof v === 'string';
    case 'bool': return typeof v === 'boolean';
    case 'i32': return int(v, -(2 ** 31), 2 ** 31 - 1);
    case 'u32': return int(v, 0, 2 ** 32 - 1);
    case 'i64': return typeof v === 'number' && Number.isInteger(v);
    case 'bin': return isBase64(v);
    case 'list_bin': return Array.isArray(v) && v.every(isBase64);
    case 'list_str': return Array.isArray(v) && v.every((x) => x === null || typeof x === 'string');
    case 'list_u32': return Array.isArray(v) && v.every((x) => int(x, 0, 2 ** 32 - 1));
  }
}

/** RFC 4180 fields, each with whether it was quoted ("" is an empty string, an empty field null). */
function parseCsv(text: string): { v: string; q: boolean }[][] {
  const rows: { v: string; q: boolean }[][] = [];
  let row: { v: string; q: boolean }[] = [];
  let i = 0;
  while (i < text.length) {
    let v = '';
    let q = false;
    if (text[i] === '"') {
      q = true;
      for (i++; ; i++) {
        if (text[i] === '"') { if (text[i + 1] === '"') { v += '"'; i++; } else { i++; break; } } else v += text[i];
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\n') v += text[i++];
    }
    row.push({ v, q });
    if (text[i] === ',') { i++; continue; }
    rows.push(row);
    row = [];
    i++; // '\n'
  }
  return rows;
}

/** A CSV field → the value the JSON row has for that column. */
function fromCsv(f: { v: string; q: boolean }, c: ViewColumn): unknown {
  if (f.v === '' && !f.q) return null;
  switch (c.type) {
    case 'bool': return f.v === 'true';
    case 'i32': case 'u32': case 'i64': return Number(f.v);
    case 'list_bin': case 'list_str': case 'list_u32': return JSON.parse(f.v);
    default: return f.v;
  }
}

const jsonRows = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { [k: string]: unknown });

describe('--json and --csv of every tabular view', () => {
  for (const [name, mk, files] of VIEWS) {
    it(`${name}: rows have the table's columns in order, of the schema's types; CSV parses back to them`, async () => {
      const table = mk().tables![0]! as ViewTable<unknown>;
      const cols = columnsOf(table);
      let n = 0;
      for (const file of files ?? [FIX, HOSTILE]) {
        const json = jsonRows((await runView(file, mk(), { json: true })).text);
        for (const row of json) {
          expect(Object.keys(row)).toEqual(cols.map((c) => c.name));
          for (const c of cols) expect(fits(row[c.name], c), `${name} ${c.name}: ${JSON.stringify(row[c.name])} is not ${c.type}`).toBe(true);
        }
        const csv = parseCsv((await runView(file, mk(), { format: 'csv' })).text);
        expect(csv[0]!.map((f) => f.v)).toEqual(cols.map((c) => c.name)); // with no rows too
        expect(csv.slice(1).map((r) => Object.fromEntries(r.map((f, j) => [cols[j]!.name, fromCsv(f, cols[j]!)])))).toEqual(json);
        n += json.length;
      }
      expect(n, `${name} wrote no rows`).toBeGreaterThan(0);
    });
  }

  it('the README documents every column a view adds to the schema', () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('## Views as data'), readme.indexOf('\n## ', readme.indexOf('## Views as data') + 1));
    for (const [name, mk] of VIEWS) for (const c of (mk().tables![0]! as ViewTable<unknown>).extra) expect(section, `${name}: ${c.name}`).toContain(`\`${c.name}\``);
  });
});

describe('captured strings: escaped in text, raw in JSON and CSV', () => {
  const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/u;
  const text = (s: Buffer) => s.toString('utf8');

  it('execs: text escapes, JSON keeps the exact bytes and text, CSV to a file keeps them raw', async () => {
    const t = await runView(HOSTILE, execsView({ maxArgs: 20 }));
    expect(t.text).not.toMatch(UNSAFE);
    expect(t.text).toContain('x\\e]0;pwned\\a');
    expect(t.text).toContain('/tmp/\\u{202e}gpj.exe a\\u{9b}31m\\nb [unreadable]');

    const j = await runView(HOSTILE, execsView({ maxArgs: 20 }), { json: true });
    expect(text(j.bytes)).not.toMatch(UNSAFE); // on the wire: \u escapes, valid JSON
    const row = jsonRows(j.text)[0]!;
    expect(row['comm_text']).toBe(text(COMM));
    expect(row['filename_text']).toBe('/tmp/\u202egpj.exe'); // raw after parsing: consumers escape
    expect(row['argv_text']).toEqual([text(FILE), 'a\u009b31m\nb', '']);
    expect(Buffer.from(row['comm'] as string, 'base64')).toEqual(COMM);
    expect((row['argv'] as string[]).map((a) => Buffer.from(a, 'base64'))).toEqual([FILE, ARG, b('')]);
    expect(row['unreadable_args']).toEqual([2]);

    const file = parseCsv((await runView(HOSTILE, execsView({ maxArgs: 20 }), { format: 'csv' })).text);
    expect(file[1]![file[0]!.findIndex((f) => f.v === 'comm_text')]!.v).toBe(text(COMM));
    const tty = await runView(HOSTILE, execsView({ maxArgs: 20 }), { format: 'csv', tty: true });
    expect(tty.text).not.toMatch(UNSAFE); // to a terminal, CSV is guarded too
  });

  it('opens: bytes that are not UTF-8 have a null text column and exact base64', async () => {
    const row = jsonRows((await runView(HOSTILE, opensView({}), { json: true })).text)[0]!;
    expect(row['path_text']).toBeNull();
    expect(Buffer.from(row['path'] as string, 'base64')).toEqual(BAD);
    expect(row).toMatchObject({ ret: -13, errno: 'EACCES', flags: 0o101, mode: 0o644 });
    expect((await runView(HOSTILE, opensView({}))).text).toContain('/x\\xff\\xfe');
  });

  it('readline, modules, tty --escape: text escapes, JSON is exact', async () => {
    for (const [view, col] of [[commandView('readline'), 'line_text'], [commandView('modules'), 'name_text'], [ttyView('pts/0', { escape: true }), 'data_text']] as const) {
      expect((await runView(HOSTILE, view)).text).not.toMatch(UNSAFE);
      expect(jsonRows((await runView(HOSTILE, view, { json: true })).text)[0]![col]).toBe('a\u009b31m\nb');
    }
  });
});

describe('the sink', () => {
  it('raw tty output goes to the sink unchanged, and the warning names a terminal only when the sink is one', async () => {
    const file = await runView(HOSTILE, ttyView('pts/0', {}));
    expect(file.bytes).toEqual(ARG);
    expect(file.warnings.join('\n')).toMatch(/control characters are not escaped/);
    const tty = await runView(HOSTILE, ttyView('pts/0', {}), { tty: true });
    expect(tty.warnings.join('\n')).toMatch(/to this terminal/);
  });
});
