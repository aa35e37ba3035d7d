// Export and SQL throughput on a synthetic fleet: HOSTS captures of EVENTS events each, written
// with the capture writer, exported (Parquet; the other formats on one host), then queried with
// DuckDB. Usage: [JOBS=N] node dist/bench/export.js [hosts=20] [events=1000000] (the fleet is exported with -j 1 and -j JOBS, default one per core)
//
// Two builds side by side: node dist/bench/export.js --compare OLD_DIST NEW_DIST [events=200000,2000000] [runs=3]
// exports one capture per size in every format with each build, alternating, each in a fresh
// process; prints the median records/s, CPU seconds (of the export, and with loading export.js,
// since a build may load its libraries then or during the export) and peak RSS of each, and the
// ratios. Files go under TMPDIR: on a disk that others write to, TMPDIR=/dev/shm keeps the
// kernel's write-back throttling out of the wall times.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureReader, CaptureWriter } from '../format/index.js';
import { availableParallelism } from 'node:os';
import { exportCapture, exportCaptures, EXPORT_FORMATS } from '../analyzer/export.js';
import { openSql, query } from '../analyzer/sql.js';
import { mixed } from './synth.js';

const hosts = Number(process.argv[2]?.startsWith('--') ? 0 : process.argv[2] ?? 20);
const events = Number(process.argv[3] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'secrec-bench-export-'));
const rss = (): number => Math.round(process.memoryUsage().rss / 2 ** 20);
const maxRss = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

function capture(i: number, n: number): string {
  const path = join(dir, `host-${String(i).padStart(2, '0')}-${n}.cap`);
  const fd = openSync(path, 'wx');
  const w = new CaptureWriter((b) => { writeSync(fd, b); });
  w.start({ hostname: `host-${String(i).padStart(2, '0')}`, bootId: `boot-${i}`, arch: 'x86_64', startMonoSec: 1000, startWallSec: 1_795_300_000 + i, timezone: 'Europe/Paris' });
  let ts = 0;
  for (const [r, k] of mixed(n)) { ts = r.ts ?? ts; w.add(r, k); }
  w.finish({ clean: true, reason: 'bench', lost: 0, ts });
  closeSync(fd);
  return path;
}

async function child(file: string, out: string): Promise<void> {
  await exportCapture(file, { format: 'parquet', outDir: out, batchRows: 2048 });
  console.log(maxRss());
}

/** One export in this process with the build in `dist`: records, wall s, CPU s of the export, the
 * same with loading export.js (a build may load its libraries in either), peak RSS MiB. */
async function one(dist: string, format: string, file: string, out: string): Promise<void> {
  const l0 = process.cpuUsage();
  const m = await import(pathToFileURL(join(resolve(dist), 'analyzer/export.js')).href) as typeof import('../analyzer/export.js');
  const t = performance.now();
  const u0 = process.cpuUsage();
  const r = await m.exportCapture(file, { format: format as never, outDir: out });
  const u = process.cpuUsage(u0);
  const l = process.cpuUsage(l0);
  rmSync(dir, { recursive: true, force: true }); // this process's own temporary folder, unused
  console.log(JSON.stringify({ records: r.records, wall: (performance.now() - t) / 1000, cpu: (u.user + u.system) / 1e6, load: (l.user + l.system) / 1e6, rss: maxRss() }));
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function compare(dists: string[], sizes: number[], runs: number): Promise<void> {
  console.log(`bench/export --compare: ${dists.join(' vs ')}; ${runs} runs each, alternating (node ${process.version}, ${new Date().toISOString()})`);
  console.log('format   events    build  records/s   wall s  CPU s (export only)  CPU s (+ loading export.js)  peak RSS MiB');
  for (const n of sizes) {
    const cap = capture(0, n);
    for (const format of EXPORT_FORMATS) {
      const got: { wall: number; cpu: number; load: number; rss: number; records: number }[][] = dists.map(() => []);
      for (let i = 0; i < runs; i++) {
        for (let d = 0; d < dists.length; d++) {
          const out = join(dir, `cmp-${d}-${i}-${format}-${n}`);
          got[d]!.push(JSON.parse(execFileSync(process.execPath, [process.argv[1]!, '--one', dists[d]!, format, cap, out], { encoding: 'utf8' })));
          rmSync(out, { recursive: true, force: true });
        }
      }
      const mid = (g: typeof got[number], k: 'wall' | 'cpu' | 'load' | 'rss'): number => median(g.map((x) => x[k]));
      const med = got.map((g) => ({ rate: g[0]!.records / mid(g, 'wall'), wall: mid(g, 'wall'), cpu: mid(g, 'cpu'), load: mid(g, 'load'), rss: mid(g, 'rss') }));
      med.forEach((m, d) => console.log(`${format.padEnd(8)} ${String(n).padStart(8)}  ${d === 0 ? 'old' : 'new'}    ${String(Math.round(m.rate)).padStart(9)}  ${m.wall.toFixed(2).padStart(7)}  ${m.cpu.toFixed(2).padStart(5)}${' '.repeat(15)}${m.load.toFixed(2).padStart(5)}${' '.repeat(23)}${String(m.rss).padStart(6)}`));
      if (med.length === 2) console.log(`${' '.repeat(18)}new/old: speed ${(med[1]!.rate / med[0]!.rate).toFixed(2)}x, CPU ${(med[1]!.cpu / med[0]!.cpu).toFixed(2)}x (with loading ${(med[1]!.load / med[0]!.load).toFixed(2)}x), RSS ${(med[1]!.rss / med[0]!.rss).toFixed(2)}x`);
    }
    rmSync(cap, { force: true });
  }
  rmSync(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3]!, process.argv[4]!);
  if (process.argv[2] === '--one') return one(process.argv[3]!, process.argv[4]!, process.argv[5]!, process.argv[6]!);
  if (process.argv[2] === '--compare') {
    return compare([process.argv[3]!, process.argv[4]!], (process.argv[5] ?? '200000,2000000').split(',').map(Number), Number(process.argv[6] ?? 3));
  }
  console.log(`bench/export: ${hosts} hosts × ${events} events (node ${process.version}, ${new Date().toISOString()})`);
  let t = performance.now();
  const caps = Array.from({ length: hosts }, (_, i) => capture(i, events));
  console.log(`write captures: ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // Memory flat in capture length: peak RSS of exporting a tenth-size and a full capture, each in
  // a fresh process, with small parts (2048 rows) so that both fill their buffers.
  const small = capture(99, Math.max(1, Math.floor(events / 10)));
  const peak = (file: string): number => Number(execFileSync(process.execPath, [process.argv[1]!, '--child', file, join(dir, `mem-${Math.random()}`)], { encoding: 'utf8' }).trim());
  console.log(`peak RSS exporting ${Math.floor(events / 10)} events: ${peak(small)} MiB; ${events} events: ${peak(caps[0]!)} MiB`);
  t = performance.now();
  let read = 0;
  for await (const f of new CaptureReader(caps[0]!).frames()) read += f.records.length;
  console.log(`read only (decode, no rows), one host: ${Math.round(read / ((performance.now() - t) / 1000))} records/s`);
  // The fleet, one capture per worker thread (export -j), against one after another (-j 1); CPU
  // seconds are the process's, worker threads included.
  const jobs = Number(process.env['JOBS'] ?? availableParallelism());
  let out = '';
  for (const format of ['parquet', 'csv'] as const) {
    for (const j of [1, jobs]) {
      out = join(dir, `fleet-${format}-${j}`);
      t = performance.now();
      const cpu0 = process.cpuUsage();
      let total = 0;
      await exportCaptures(caps, { format, outDir: out }, j, (_f, r) => { total += r.records; });
      const s = (performance.now() - t) / 1000;
      const c = process.cpuUsage(cpu0);
      console.log(`export ${format}, ${hosts} hosts, -j ${j}: ${total} records in ${s.toFixed(1)} s = ${Math.round(total / s)} records/s (CPU ${((c.user + c.system) / 1e6).toFixed(1)} s)`);
    }
  }
  out = join(dir, `fleet-parquet-${jobs}`);

  for (const format of EXPORT_FORMATS) {
    t = performance.now();
    const r = await exportCapture(caps[0]!, { format, outDir: join(dir, `one-${format}`) });
    const s1 = (performance.now() - t) / 1000;
    console.log(`  one host, ${format.padEnd(7)}: ${Math.round(r.records / s1)} records/s (${s1.toFixed(1)} s)`);
  }

  const db = await openSql({ inputs: [out] });
  const qs = [
    'SELECT count(*) FROM opens',
    'SELECT hostname, errno_name, count(*) FROM syscall_errors GROUP BY ALL',
    'SELECT comm_text, count(DISTINCT hostname), count(*) FROM execs GROUP BY 1 ORDER BY 3 DESC LIMIT 10',
    "SELECT e.hostname, count(*) FROM syscall_errors e JOIN processes p ON p.boot_id = e.boot_id AND p.process = e.process GROUP BY 1",
  ];
  const rows = Number((await query(db.conn, 'SELECT (SELECT count(*) FROM opens) + (SELECT count(*) FROM syscall_errors) + (SELECT count(*) FROM execs) + (SELECT count(*) FROM tty_writes)')).rows[0]![0]);
  for (const q of qs) {
    t = performance.now();
    const r = await query(db.conn, q);
    const s2 = (performance.now() - t) / 1000;
    console.log(`sql ${(s2 * 1000).toFixed(0).padStart(5)} ms, ${String(r.rows.length).padStart(3)} rows: ${q}`);
  }
  console.log(`(the fleet holds ${rows} event rows in its main tables; rss now ${rss()} MiB)`);
  db.close();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
