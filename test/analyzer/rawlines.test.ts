// Lines from raw records (analyzer/schema/rawlines.ts: common fields and body bytes, pieces kept by
// body, comm and process) against the lines of the decoded records (schema/lines.ts), byte for byte:
// every exported CSV and NDJSON file of a capture made to hit each piece's edges (bodies that repeat
// and do not, a table that stops looking bodies up and starts again, more bodies than slots, pid
// reuse and starts, empty, long and invalid comms and paths, JSON and CSV specials, offsets at 0 and
// past 2^53, 64-bit cgroups, values longer than the writer's buffer).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordInit } from '../../format/index.js';
import { exportCapture } from '../../analyzer/export.js';
import { mixed } from '../../bench/synth.js';
import { HEADER, runView, tmp, writeCapture } from '../helpers.js';
import { opensView, type OpensOptions } from '../../analyzer/views/opens.js';
import type { Filters } from '../../analyzer/pipeline.js';

const PATHS = [Buffer.from('/etc/passwd'), Buffer.from('a "quoted", path\n\\'), Buffer.from([0x2f, 0xc3, 0x28, 0x7f, 0x00, 0x1b]), Buffer.from('/tmp/é'),
  Buffer.alloc(0), Buffer.alloc(3000, 0x61), Buffer.from('x,'.repeat(300))];
const COMMS = [Buffer.from('bash'), Buffer.alloc(0), Buffer.from('a"b,c\n'), Buffer.from([0xff, 0xfe]), Buffer.from('a-very-long-comm-name-over-16')];

function* edges(): Generator<RecordInit> {
  let ts = 0;
  for (let i = 0; i < 30_000; i++) {
    ts += i % 97 === 0 ? 0 : 1000 + (i % 13);
    const pid = 100 + (i % 40);
    const base: RecordInit = { ts: i === 5 ? 2 ** 60 : ts, pid, tid: pid + (i % 2), uid: i % 3 ? 0 : 1000, gid: i % 5, ppid: 1, cpu: i & 1,
      cgroup: i % 11 === 0 ? 2 ** 60 + 2 ** 40 : i % 7, comm: COMMS[i % COMMS.length]! };
    const k = i % 10;
    if (i % 500 === 0) yield { ...base, fork: { childPid: pid, childTid: pid } }; // a reused pid, a new start
    if (i % 777 === 0) yield { ...base, exit: { code: 0, start: ts - 10 } };
    if (k < 4) yield { ...base, open: { path: i > 20_000 ? Buffer.from(`/proc/${i}/stat`) : PATHS[i % PATHS.length]!, ret: i % 4 ? 3 : -13, flags: i % 9, mode: i % 3 ? 0 : 0o644, dirfd: -100, dir: i % 6 ? undefined : Buffer.from('/home'), resolve: i % 8 ? 0 : 2 ** 54 } };
    else if (k < 6) yield { ...base, syscallError: { nr: [257, 105, 101, 9999][i % 4]!, errno: i % 2 ? 13 : 1, abi: i % 5 === 0 ? 1 : 0 } };
    else if (k < 8) yield { ...base, ttyWrite: { rdev: 136 << 20, fd: 1, data: i % 3 ? Buffer.from(`line ${i}\r\n`) : Buffer.from('prompt$ '), len: 10, isTty: true } };
    else if (k === 8) yield { ...base, readline: { line: i % 2 ? Buffer.from(`ls ${i}`) : Buffer.from('sudo -l') } };
    else yield { ...base, moduleLoad: { name: Buffer.from(`mod${i % 3}`), taints: i % 2 } };
  }
  yield { ts, pid: 7, comm: Buffer.from('x'), open: { path: Buffer.alloc(1_200_000, 0x22), ret: 3 } }; // over the 1 MiB buffer, escaped
}

function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p); else out.set(p.slice(dir.length), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

describe('raw lines', () => {
  for (const format of ['csv', 'ndjson'] as const) {
    it(`${format}: every file equals the decoded records' lines`, async () => {
      const recs = [...edges(), ...[...mixed(20_000)].map(([r]) => r)];
      const cap = writeCapture(recs, { header: { ...HEADER, hostname: 'raw "host"', bootId: 'b,1' } }).path;
      const a = tmp();
      const b = tmp();
      const ra = await exportCapture(cap, { format, outDir: a, raw: false });
      const rb = await exportCapture(cap, { format, outDir: b });
      expect(rb.rows).toEqual(ra.rows);
      expect(rb.rows.opens).toBeGreaterThan(20_000);
      const fa = files(a);
      const fb = files(b);
      expect([...fb.keys()].sort()).toEqual([...fa.keys()].sort());
      for (const [name, bytes] of fa) {
        const got = fb.get(name)!;
        if (!got.equals(bytes)) {
          const at = [...bytes].findIndex((x, i) => got[i] !== x);
          expect.fail(`${name} differs at byte ${at}: ${JSON.stringify(got.subarray(Math.max(0, at - 80), at + 80).toString('latin1'))} vs ${JSON.stringify(bytes.subarray(Math.max(0, at - 80), at + 80).toString('latin1'))}`);
        }
      }
    }, 120_000);
  }
});

describe('raw lines in a view', () => {
  it('opens --json: the same bytes as the decoded records, under each of its filters and the global ones', async () => {
    const recs = [...edges(), ...[...mixed(5_000)].map(([r]) => r)];
    const cap = writeCapture(recs, { header: { ...HEADER, hostname: 'h' } }).path;
    const cases: [OpensOptions, Filters, { since?: string; until?: string }?][] = [
      [{}, {}], [{ failed: true }, {}], [{ pid: 105 }, {}], [{ tid: 106 }, {}], [{ uid: 1000 }, {}], [{ name: 'ba' }, {}], [{ name: '"' }, {}],
      [{ flags: ['O_WRONLY', 'O_RDONLY'] }, {}], [{ failed: true, flags: ['O_RDWR'] }, { pid: 110 }], [{}, { uid: 0 }], [{}, { comm: 'bash' }],
      [{}, {}, { since: '0.005', until: '0.02' }],
    ];
    let lines = 0;
    for (const [o, filters, times] of cases) {
      const ref = await runView(cap, opensView(o), { json: true, filters, raw: false, ...(times ? { times } : {}) });
      const got = await runView(cap, opensView(o), { json: true, filters, ...(times ? { times } : {}) });
      expect(got.bytes.equals(ref.bytes), JSON.stringify(o)).toBe(true);
      expect(got.warnings).toEqual(ref.warnings);
      lines += ref.text.split('\n').length - 1;
    }
    expect(lines).toBeGreaterThan(10_000);
  }, 120_000);
});

describe('raw lines from the line worker (analyzer/remote-lines.ts)', () => {
  /** The built cli's stdout and stderr; SECANALYZE_LINE_WORKER: raw rows before the worker starts (0: never). */
  const cli = (args: string[], worker: number) => {
    const r = spawnSync('node', ['dist/analyzer/cli.js', ...args], { env: { ...process.env, SECANALYZE_LINE_WORKER: String(worker) }, maxBuffer: 1 << 30 });
    return { code: r.status, out: r.stdout, err: r.stderr.toString() };
  };
  it('opens --json: the same bytes and warnings with the worker from the first row, from a later row, and without it', () => {
    const recs = [...edges(), ...[...mixed(40_000)].map(([r]) => r)];
    const cap = writeCapture(recs.slice(0, -1), { header: { ...HEADER, hostname: 'h' }, finish: false }).path; // cut short: a warning at the end
    for (const args of [[], ['-x'], ['--pid', '102'], ['--comm', 'bash', '--since', '0.005']]) {
      const ref = cli(['opens', cap, '--json', ...args], 0);
      expect(ref.code).toBe(3);
      expect(ref.err).toMatch(/truncated/);
      expect(ref.out.length).toBeGreaterThan(args.length ? 100_000 : 5_000_000);
      for (const worker of [1, 3_000]) {
        const got = cli(['opens', cap, '--json', ...args], worker);
        expect(got.code).toBe(ref.code);
        expect(got.err).toBe(ref.err);
        if (!got.out.equals(ref.out)) {
          const at = [...ref.out].findIndex((x, i) => got.out[i] !== x);
          expect.fail(`${args.join(' ')} (worker after ${worker}): differs at byte ${at} of ${ref.out.length}: ${JSON.stringify(got.out.subarray(Math.max(0, at - 80), at + 80).toString('latin1'))}`);
        }
      }
    }
  }, 180_000);
});
