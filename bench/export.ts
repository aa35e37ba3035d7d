// Export and SQL throughput on a synthetic fleet: HOSTS captures of EVENTS events each, written
// with the capture writer, exported (Parquet; the other formats on one host), then queried with
// DuckDB. Usage: node dist/bench/export.js [hosts=20] [events=1000000]
import { mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureWriter } from '../format/index.js';
import { exportCapture, EXPORT_FORMATS } from '../analyzer/export.js';
import { openSql, query } from '../analyzer/sql.js';
import { mixed } from './synth.js';

const hosts = Number(process.argv[2] ?? 20);
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

async function main(): Promise<void> {
  console.log(`bench/export: ${hosts} hosts × ${events} events (node ${process.version}, ${new Date().toISOString()})`);
  let t = performance.now();
  const caps = Array.from({ length: hosts }, (_, i) => capture(i, events));
  console.log(`write captures: ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // Memory flat in capture length: a tenth-size capture first, then the full one; compare peaks.
  const small = capture(99, Math.max(1, Math.floor(events / 10)));
  await exportCapture(small, { format: 'parquet', outDir: join(dir, 'small') });
  const peakSmall = maxRss();
  const out = join(dir, 'fleet');
  t = performance.now();
  let total = 0;
  for (const c of caps) total += (await exportCapture(c, { format: 'parquet', outDir: out })).records;
  const s = (performance.now() - t) / 1000;
  console.log(`export parquet: ${total} records in ${s.toFixed(1)} s = ${Math.round(total / s)} records/s; peak RSS ${peakSmall} MiB at ${Math.floor(events / 10)} events, ${maxRss()} MiB at ${events}`);

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
