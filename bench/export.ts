// Export and SQL throughput on a synthetic fleet: HOSTS captures of EVENTS events each, written
// with the capture writer, exported (Parquet; the other formats on one host), then queried with
// DuckDB. Usage: node dist/bench/export.js [hosts=20] [events=1000000]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureReader, CaptureWriter } from '../format/index.js';
import { exportCapture, EXPORT_FORMATS } from '../analyzer/export.js';
import { openSql, query } from '../analyzer/sql.js';
import { mixed } from './synth.js';

const hosts = Number(process.argv[2] === '--child' ? 0 : process.argv[2] ?? 20);
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

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3]!, process.argv[4]!);
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
  const out = join(dir, 'fleet');
  t = performance.now();
  let total = 0;
  for (const c of caps) total += (await exportCapture(c, { format: 'parquet', outDir: out })).records;
  const s = (performance.now() - t) / 1000;
  console.log(`export parquet, ${hosts} hosts: ${total} records in ${s.toFixed(1)} s = ${Math.round(total / s)} records/s`);

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
