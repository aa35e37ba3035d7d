// bench/fuzz: seeded hostile-input fuzzing of secanalyze. Each case is a mutated capture (bytes of
// fixtures/incident.cap or of a multi-frame synthetic capture, or the synthetic records themselves
// mutated and written again with the real writer) run through every view's record path. A case
// fails on any error but a CaptureError or a "no process N" answer, on a view slower than 10 s, on
// a terminal control in text output or on stderr, or on RSS above the bound. Then random byte
// sessions are replayed by bash (byte-identical, no file created) and as asciicasts.
//   node dist/bench/fuzz.js [--seed 1] [--seconds 60] [--cases N] [--replays 1000]
// Prints progress on stderr and one JSON summary line on stdout; exits 1 on any failure.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureError, CaptureWriter, bodyKindOf, type Header, type RecordInit } from '../format/index.js';
import { run, type View } from '../analyzer/pipeline.js';
import { infoView } from '../analyzer/views/info.js';
import { treeView } from '../analyzer/views/tree.js';
import { epermView } from '../analyzer/views/eperm.js';
import { execsView } from '../analyzer/views/execs.js';
import { opensView } from '../analyzer/views/opens.js';
import { elfView } from '../analyzer/views/elf.js';
import { commandView } from '../analyzer/views/kinds.js';
import { shellView, ttyView } from '../analyzer/views/terminal.js';
import { replayView } from '../analyzer/views/replay.js';
import { timelineView } from '../analyzer/views/timeline.js';
import { chartView } from '../analyzer/charts.js';

const arg = (name: string, dflt: number): number => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const SEED = arg('--seed', 1);
const SECONDS = arg('--seconds', 60);
const MAX_CASES = arg('--cases', Infinity);
const REPLAYS = arg('--replays', 1000);
const RSS_LIMIT = arg('--rss-mb', 1024) * 2 ** 20;
const SLOW_MS = 10_000;
const DANGER = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

/** mulberry32: small, seedable, good enough to pick mutations. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32; };
}
const R = rng(SEED);
const int = (n: number): number => Math.floor(R() * n);
const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;
const bytes = (n: number): Buffer => { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = int(256); return b; };
const s = (x: string): Buffer => Buffer.from(x, 'latin1');

const kindOf = bodyKindOf;

const HEADER: Header = {
  hostname: 'fuzz', kernelRelease: '6.18.0', arch: 'x86_64', startWallSec: 1_700_000_000, timezone: 'Europe/Paris', utcOffsetSec: 3600,
  users: [{ uid: 0, name: 'root' }, { uid: 1000, name: 'alice' }], recorderVersion: 'fuzz',
  probes: ['proc', 'exec', 'open', 'tty', 'syscall_error', 'readline', 'module'].map((name) => ({ name, attached: true })),
};

/** A small host: snapshot, a shell session with children, output, denials, losses. */
function synthetic(): RecordInit[] {
  const r: RecordInit[] = [];
  for (let p = 1; p <= 40; p++) r.push({ ts: 0, pid: p, ppid: p === 1 ? 0 : Math.max(1, p - 1 - (p % 3)), comm: s(`p${p}`), process: { start: p, argv: [s(`p${p}`), s('-x')], exe: s(`/bin/p${p}`), ttyRdev: p === 10 ? 136 << 20 : 0 } });
  let ts = 1e6;
  for (let i = 0; i < 600; i++) {
    ts += 1e6 + (i % 7) * 1e5;
    const child = 100 + i;
    switch (i % 10) {
      case 0: r.push({ ts, pid: 10, ppid: 9, comm: s('bash'), readline: { line: s(`cmd ${i}`) } }); break;
      case 1: r.push({ ts, pid: 10, ppid: 9, comm: s('bash'), fork: { childPid: child, childTid: child } }); break;
      case 2: r.push({ ts, pid: child - 1, ppid: 10, comm: s('ls'), exec: { filename: s('/bin/ls'), argv: [s('ls'), s('-l')], ino: '123', dev: 8 << 20, interp: s('/lib64/ld.so'), mount: s('/') } }); break;
      case 3: r.push({ ts, pid: child - 2, ppid: 10, comm: s('ls'), ttyWrite: { rdev: 136 << 20, fd: 1, data: s(`out ${i}\r\n`), len: 8, isTty: true, rows: 40, cols: 100 } }); break;
      case 4: r.push({ ts, pid: child - 3, ppid: 10, comm: s('ls'), syscallError: { nr: 257, errno: i % 2 ? 13 : 1 } }); break;
      case 5: r.push({ ts, pid: child - 4, ppid: 10, comm: s('ls'), open: { path: s('/etc/shadow'), ret: -13, flags: 0, dirfd: -100 } }); break;
      case 6: r.push({ ts, lost: { probe: pick(['tty', 'exec', 'proc']), count: 1 + (i % 5) } }); break;
      case 7: r.push({ ts, pid: child - 6, ppid: 10, comm: s('ls'), exit: { code: i % 3, start: ts - 5e6 } }); break;
      case 8: r.push({ ts, pid: 10, ppid: 9, comm: s('bash'), ttyWrite: { rdev: 136 << 20, fd: 2, data: s('$ '), len: 2, isTty: true } }); break;
      default: r.push({ ts, pid: 30, ppid: 1, comm: s('insmod'), moduleLoad: { name: s('mod'), taints: 0 } });
    }
  }
  return r;
}

function write(header: Header, recs: RecordInit[], frameBytes: number, finish = true): Buffer {
  const chunks: Buffer[] = [];
  const w = new CaptureWriter((b) => chunks.push(Buffer.from(b)), { frameBytes });
  w.start(header);
  for (const r of recs) w.add(r, kindOf(r));
  if (finish) w.finish({ clean: true, reason: 'fuzz', lost: 0, ts: 0 }); else w.flush();
  return Buffer.concat(chunks);
}

/** Byte-level damage: flips, deletions, insertions, duplicated ranges, zero runs, a cut. */
function mutateBytes(src: Buffer): Buffer {
  let b = Buffer.from(src);
  for (let n = 1 + int(3); n > 0; n--) {
    const at = int(b.length);
    switch (int(6)) {
      case 0: for (let k = 1 + int(8); k > 0; k--) { const i = int(b.length); b[i] = b[i]! ^ (1 << int(8)); } break;
      case 1: b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(64)))]); break;
      case 2: b = Buffer.concat([b.subarray(0, at), bytes(1 + int(64)), b.subarray(at)]); break;
      case 3: { const len = 1 + int(256); b = Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]); break; }
      case 4: b.fill(pick([0, 0xff]), at, Math.min(b.length, at + 1 + int(128))); break;
      default: b = b.subarray(0, at);
    }
  }
  return b;
}

const PIDS = [0, 1, 5, 9, 10, 11, 12, 100, 101, 4294967295];
const STRINGS = [() => bytes(int(40)), () => s('\x1b]0;pwned\x07\x9b2J'), () => Buffer.from('\u202eevil\u2028x', 'utf8'), () => s('-n'), () => Buffer.alloc(0)];

/** Structure-aware: valid frames whose records lie (cycles, reused pids, time jumps, hostile text). */
function mutateRecords(base: RecordInit[]): { header: Header; recs: RecordInit[] } {
  const recs = base.map((r) => ({ ...r }));
  const header: Header = { ...HEADER };
  for (let n = 1 + int(20); n > 0; n--) {
    const r = recs[int(recs.length)]!;
    switch (int(9)) {
      case 0: r.pid = pick(PIDS); break;
      case 1: r.ppid = pick(PIDS); break;
      case 2: r.ts = pick([0, 2 ** 53 - 1, int(2 ** 40), Number(r.ts ?? 0) * 1000]); break;
      case 3: r.comm = pick(STRINGS)(); break;
      case 4: recs.splice(int(recs.length), 0, ...recs.slice(int(recs.length)).slice(0, 1 + int(50))); break;
      case 5: { const i = int(recs.length); const j = int(recs.length); [recs[i], recs[j]] = [recs[j]!, recs[i]!]; break; }
      case 6: if (r.ttyWrite) r.ttyWrite = { ...r.ttyWrite, data: pick(STRINGS)(), rows: int(3) ? int(70000) : 0, cols: int(70000) }; else if (r.exec) r.exec = { ...r.exec, filename: pick(STRINGS)(), argv: [pick(STRINGS)()], ino: pick(STRINGS)().toString('latin1') }; break;
      case 7: recs.push({ ts: int(2 ** 40), lost: { probe: pick(STRINGS)().toString('latin1'), count: int(1e6) } }); break;
      default: {
        const h = int(5);
        if (h === 0) header.timezone = pick(['Etc/GMT-15', 'Mars/Olympus', '', '\x1b[2J']);
        if (h === 1) header.startWallSec = pick([9e15, -9e15, 2 ** 53, 0]);
        if (h === 2) header.utcOffsetSec = pick([0, 15 * 3600, -(2 ** 31)]);
        if (h === 3) header.users = [{ uid: 0, name: '\x1b]0;x\x07' }];
        if (h === 4) header.probes = [{ name: pick(['tty', 'exec', '\x9b']), attached: false, reason: '\x1b[2J' }];
      }
    }
  }
  // a cycle or self-parent in the snapshot, often
  if (int(2)) recs.unshift({ ts: 0, pid: 10, ppid: 11, comm: s('bash'), process: { start: 1 } }, { ts: 0, pid: 11, ppid: 10, comm: s('sshd'), process: { start: 1 } });
  return { header, recs };
}

type Mk = () => { view: View; raw?: boolean; json?: boolean };
const VIEWS: Array<[string, Mk]> = [
  ['info', () => ({ view: infoView() })], ['info --json', () => ({ view: infoView(), json: true })],
  ['tree', () => ({ view: treeView({ maxArgs: 20 }) })], ['tree --all --json', () => ({ view: treeView({ maxArgs: 20, all: true }), json: true })],
  ['tree --pid 10', () => ({ view: treeView({ maxArgs: 20, pid: 10 }) })], ['ancestry 101', () => ({ view: treeView({ maxArgs: 20, ancestry: 101 }) })],
  ['eperm', () => ({ view: epermView() })], ['eperm --by uid', () => ({ view: epermView('uid') })],
  ['execs', () => ({ view: execsView({ maxArgs: 20, fails: true, timestamp: true, parentComm: true }) })],
  ['opens', () => ({ view: opensView({ failed: false, extended: true, fullPath: true }) })], ['opens --json', () => ({ view: opensView({}), json: true })],
  ['elf', () => ({ view: elfView() })], ['modules', () => ({ view: commandView('modules') })], ['readline', () => ({ view: commandView('readline') })],
  ['tty pts/0 --escape', () => ({ view: ttyView('pts/0', { escape: true }) })], ['shell 10', () => ({ view: shellView(10, false, {}), raw: true })],
  ['replay 10', () => ({ view: replayView(10, { speed: 1, format: 'bash' }) })], ['replay 10 cast', () => ({ view: replayView(10, { speed: 1, format: 'asciicast' }) })],
  ['timeline', () => ({ view: timelineView() })], ['timeline --json', () => ({ view: timelineView(), json: true })],
  ['chart sessions', () => ({ view: chartView({ kind: 'sessions', output: 'x.vl.json', top: 20 }, async () => {}) })],
  ['chart events', () => ({ view: chartView({ kind: 'events', output: 'x.vl.json', top: 20 }, async () => {}) })],
];

const dir = mkdtempSync(join(tmpdir(), 'fuzz-'));
const file = join(dir, 'case.cap');
const stats = { cases: 0, viewRuns: 0, typedErrors: 0, failures: [] as string[], worstMs: 0, worstView: '', peakRssMB: 0, maxOutputRatio: 0 };

async function runCase(label: string, data: Buffer): Promise<void> {
  writeFileSync(file, data);
  for (const [name, mk] of VIEWS) {
    const { view, raw, json } = mk();
    let outBytes = 0;
    let text = '';
    const warnings: string[] = [];
    const output = { write: (c: string | Uint8Array) => { outBytes += c.length; if (!raw && text.length < 1 << 20) text += typeof c === 'string' ? c : Buffer.from(c).toString('utf8'); } };
    const t0 = performance.now();
    try {
      await run(view, { file, format: json ? 'json' : 'text', output, filters: {}, warn: (m) => warnings.push(m) });
    } catch (e) {
      if (e instanceof CaptureError || (e instanceof Error && /^no process \d+ in this capture$/.test(e.message))) stats.typedErrors++;
      else stats.failures.push(`${label} / ${name}: ${(e as Error).stack ?? String(e)}`);
    }
    const ms = performance.now() - t0;
    stats.viewRuns++;
    if (ms > stats.worstMs) { stats.worstMs = ms; stats.worstView = `${label} / ${name}`; }
    if (ms > SLOW_MS) stats.failures.push(`${label} / ${name}: took ${ms.toFixed(0)} ms`);
    if (DANGER.test(text)) stats.failures.push(`${label} / ${name}: terminal control in stdout: ${JSON.stringify(text.match(DANGER)![0])}`);
    for (const w of warnings) if (DANGER.test(w)) stats.failures.push(`${label} / ${name}: terminal control on stderr: ${JSON.stringify(w)}`);
    stats.maxOutputRatio = Math.max(stats.maxOutputRatio, outBytes / Math.max(1, data.length));
    if (json && view.raw) await sameAsDecoded(label, name, mk, text, warnings);
  }
  const rss = process.memoryUsage().rss;
  stats.peakRssMB = Math.max(stats.peakRssMB, Math.round(rss / 2 ** 20));
  if (rss > RSS_LIMIT) stats.failures.push(`${label}: RSS ${Math.round(rss / 2 ** 20)} MB`);
}

/** A view with raw lines (opens --json) gives, on the damaged capture too, what the decoded records give. */
async function sameAsDecoded(label: string, name: string, mk: Mk, text: string, warnings: string[]): Promise<void> {
  let ref = '';
  const refWarnings: string[] = [];
  try {
    await run(mk().view, { file, format: 'json', raw: false, output: { write: (c) => { if (ref.length < 1 << 20) ref += typeof c === 'string' ? c : Buffer.from(c).toString('utf8'); } }, filters: {}, warn: (m) => refWarnings.push(m) });
  } catch { /* the raw run threw too (counted there) */ }
  if (ref !== text || refWarnings.join('\n') !== warnings.join('\n')) stats.failures.push(`${label} / ${name}: raw lines differ from the decoded records' lines`);
}

/** Random writes of random bytes (a third start with '-'), replayed by bash: same bytes, no file. */
async function replayCases(n: number): Promise<{ replays: number; replayFailures: string[]; castFailures: string[] }> {
  const replayFailures: string[] = [];
  const castFailures: string[] = [];
  const cwd = join(dir, 'cwd');
  for (let k = 0; k < n; k++) {
    const writes = Array.from({ length: 1 + int(12) }, () => { const b = bytes(int(300)); if (b.length && int(3) === 0) b[0] = 0x2d; return b; });
    const recs: RecordInit[] = [{ ts: 0, pid: 77, comm: s('bash'), readline: { line: s('x') } }];
    writes.forEach((d, i) => recs.push({ ts: 1000 + i * 10, pid: 77, comm: s('bash'), ttyWrite: { rdev: 136 << 20, fd: 1 + (i & 1), data: d, len: d.length, isTty: true } }));
    writeFileSync(file, write(HEADER, recs, 4096));
    let script = '';
    await run(replayView(77, { speed: 1, format: 'bash' }), { file, output: { write: (c) => { script += String(c); } }, filters: {}, warn: () => {} });
    rmSync(cwd, { recursive: true, force: true });
    mkdirSync(cwd);
    writeFileSync(join(dir, 'replay.sh'), script);
    const got = execFileSync('bash', [join(dir, 'replay.sh')], { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
    if (!got.equals(Buffer.concat(writes))) replayFailures.push(`replay ${k}: ${got.length} bytes out, ${Buffer.concat(writes).length} in`);
    if (readdirSync(cwd).length) replayFailures.push(`replay ${k}: created ${readdirSync(cwd).join(', ')}`);
    // the same session as valid UTF-8 text cut at random byte offsets, as an asciicast
    const text = Array.from({ length: 1 + int(40) }, () => String.fromCodePoint(pick([0x20 + int(95), 0xa0 + int(0x700), 0x4e00 + int(0x5000), 0x1f600 + int(80), 0xfeff]))).join('');
    const u = Buffer.from(text, 'utf8');
    const cuts = [...new Set(Array.from({ length: int(8) }, () => int(u.length)))].sort((a, b) => a - b);
    const parts = [0, ...cuts, u.length].slice(1).map((end, i, a) => u.subarray(i ? a[i - 1]! : 0, end));
    const crecs: RecordInit[] = [{ ts: 0, pid: 77, comm: s('bash'), readline: { line: s('x') } }];
    parts.forEach((d, i) => crecs.push({ ts: 1000 + int(3e9), pid: 77, comm: s('bash'), ttyWrite: { rdev: 136 << 20, fd: 1, data: d, len: d.length, isTty: true } }));
    writeFileSync(file, write(HEADER, crecs, 4096));
    let cast = '';
    await run(replayView(77, { speed: 1, format: 'asciicast' }), { file, output: { write: (c) => { cast += String(c); } }, filters: {}, warn: () => {} });
    const ev = cast.trim().split('\n').slice(1).map((l) => JSON.parse(l) as [number, string, string]);
    const joined = ev.filter((e) => e[1] === 'o').map((e) => e[2]).join('');
    if (joined !== text) castFailures.push(`cast ${k}: text differs`);
    if (ev.some((e, i) => i > 0 && e[0] < ev[i - 1]![0])) castFailures.push(`cast ${k}: time goes back`);
  }
  return { replays: n, replayFailures, castFailures };
}

async function main(): Promise<void> {
  const fixture = readFileSync('fixtures/incident.cap');
  const base = synthetic();
  const multi = write(HEADER, base, 2048);
  const t0 = performance.now();
  while (stats.cases < MAX_CASES && performance.now() - t0 < SECONDS * 1000) {
    const which = stats.cases % 3;
    const label = `seed ${SEED} case ${stats.cases}`;
    if (which === 0) await runCase(`${label} (fixture bytes)`, mutateBytes(fixture));
    else if (which === 1) await runCase(`${label} (multi-frame bytes)`, mutateBytes(multi));
    else { const m = mutateRecords(base); await runCase(`${label} (records)`, write(m.header, m.recs, 1024 + int(8192), int(4) > 0)); }
    stats.cases++;
    if (stats.cases % 50 === 0) process.stderr.write(`fuzz: ${stats.cases} cases, ${stats.failures.length} failures, peak RSS ${stats.peakRssMB} MB\n`);
  }
  const fuzzSeconds = (performance.now() - t0) / 1000;
  const rep = await replayCases(REPLAYS);
  rmSync(dir, { recursive: true, force: true });
  const summary = {
    seed: SEED, cases: stats.cases, viewRuns: stats.viewRuns, seconds: Number(fuzzSeconds.toFixed(1)), casesPerSec: Number((stats.cases / fuzzSeconds).toFixed(1)),
    worstMs: Math.round(stats.worstMs), worstView: stats.worstView, peakRssMB: stats.peakRssMB, maxOutputRatio: Number(stats.maxOutputRatio.toFixed(1)),
    typedErrors: stats.typedErrors, failures: stats.failures.slice(0, 20), failureCount: stats.failures.length,
    replays: rep.replays, replayFailures: rep.replayFailures.slice(0, 20), castFailures: rep.castFailures.slice(0, 20),
  };
  process.stdout.write(JSON.stringify(summary) + '\n');
  process.exitCode = stats.failures.length || rep.replayFailures.length || rep.castFailures.length ? 1 : 0;
}

await main();
