// Parquet writers side by side, on the same columns: the opens table of a synthetic capture
// (ROWS rows, parts of 16384 rows as export writes them), Snappy, from columns already built.
//   parquet-wasm: Arrow IPC stream → writeParquet (what export uses)
//   duckdb:       the columns into a DuckDB table (appender, 2048-row data chunks), then COPY TO parquet
// Usage: node dist/bench/parquet.js [rows=200000] [runs=3]. Prints CPU and wall seconds, rows/s
// and bytes written; both files are read back by DuckDB and compared.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pw from 'parquet-wasm/node';
import { BLOB, BIGINT, BOOLEAN, DuckDBAppender, DuckDBDataChunk, DuckDBInstance, INTEGER, UINTEGER, VARCHAR, blobValue, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { arrowIpc, toArrowTable } from '../analyzer/schema/encode.js';
import { CaptureRows } from '../analyzer/schema/rows.js';
import { TABLES, type ColumnType, type Row } from '../analyzer/schema/tables.js';
import { mixed } from './synth.js';
import { pb } from '../format/proto.js';

const rows = Number(process.argv[2] ?? 200_000);
const runs = Number(process.argv[3] ?? 3);
const PART = 16_384;
const dir = mkdtempSync(join(tmpdir(), 'secrec-bench-parquet-'));
const cols = TABLES.opens.columns;

const snappy = (): pw.WriterPropertiesBuilder => new pw.WriterPropertiesBuilder().setCompression(pw.Compression.SNAPPY);
const WASM: [string, () => pw.WriterProperties][] = [
  ['parquet-wasm', () => snappy().build()],
  ['parquet-wasm chunk stats', () => snappy().setStatisticsEnabled(pw.EnabledStatistics.Chunk).build()],
  ['parquet-wasm no dict', () => snappy().setDictionaryEnabled(false).build()],
  ['parquet-wasm no dict, chunk stats', () => snappy().setDictionaryEnabled(false).setStatisticsEnabled(pw.EnabledStatistics.Chunk).build()],
  ['parquet-wasm as export writes', () => snappy().setDictionaryEnabled(false).setColumnDictionaryEnabled('hostname', true).setColumnDictionaryEnabled('boot_id', true).setStatisticsEnabled(pw.EnabledStatistics.Chunk).build()],
  ['parquet-wasm no dict, no stats', () => snappy().setDictionaryEnabled(false).setStatisticsEnabled(pw.EnabledStatistics.None).build()],
];

const DUCK: { [T in ColumnType]?: DuckDBType } = { str: VARCHAR, bool: BOOLEAN, i32: INTEGER, u32: UINTEGER, i64: BIGINT, bin: BLOB };

function opens(): Row[] {
  const rs = new CaptureRows({ hostname: 'host-00', bootId: 'boot-0', arch: 'x86_64', startMonoSec: 1000, startWallSec: 1_795_300_000, timezone: 'Europe/Paris' } as never);
  const out: Row[] = [];
  for (const [init, kind] of mixed(rows * 2)) {
    if (kind !== 'open' || out.length >= rows) continue;
    const got = rs.row(pb.Record.decode(pb.Record.encode(init).finish()) as never);
    if (got) out.push(got[1]);
  }
  return out;
}

function time(f: () => void): { cpu: number; wall: number } {
  const c0 = process.cpuUsage();
  const t = performance.now();
  f();
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1e6, wall: (performance.now() - t) / 1000 };
}

async function main(): Promise<void> {
  const all = opens();
  const parts: Row[][] = [];
  for (let i = 0; i < all.length; i += PART) parts.push(all.slice(i, i + PART));
  console.log(`bench/parquet: ${all.length} opens rows (${cols.length} columns) in parts of ${PART} (node ${process.version}, ${new Date().toISOString()})`);
  const tables = parts.map((p) => toArrowTable('opens', p));
  const values = parts.map((p) => cols.map((c) => p.map((r): DuckDBValue => {
    const v = r[c.name] ?? null;
    return v instanceof Uint8Array ? blobValue(v) : c.type === 'i64' && typeof v !== 'bigint' && v !== null ? BigInt(String(v)) : v as DuckDBValue;
  })));
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const types = cols.map((c) => DUCK[c.type]!);
  const result: { [k: string]: { cpu: number[]; wall: number[]; bytes: number } } = {};
  const note = (k: string, t: { cpu: number; wall: number }, bytes: number): void => {
    const r = result[k] ??= { cpu: [], wall: [], bytes: 0 };
    r.cpu.push(t.cpu); r.wall.push(t.wall); r.bytes = bytes;
  };
  for (let run = 0; run < runs; run++) {
    let bytes = 0;
    for (const [k, props] of WASM) {
      const wasmOut = join(dir, `${k.replace(/\W+/g, '_')}-${run}`);
      bytes = 0;
      note(k, time(() => {
        tables.forEach((t, i) => {
          const b = pw.writeParquet(pw.Table.fromIPCStream(arrowIpc(t, false)), props());
          writeFileSync(`${wasmOut}-${i}.parquet`, b);
          bytes += b.length;
        });
      }), bytes);
    }
    // DuckDB: appender (the wall time includes COPY, which DuckDB runs on its own threads).
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    bytes = 0;
    for (let i = 0; i < parts.length; i++) {
      await conn.run(`CREATE OR REPLACE TABLE t (${cols.map((c) => `${c.name} ${DUCK[c.type]!.toString()}`).join(', ')})`);
      const app: DuckDBAppender = await conn.createAppender('t');
      const n = parts[i]!.length;
      for (let s = 0; s < n; s += 2048) {
        const m = Math.min(2048, n - s);
        const chunk = DuckDBDataChunk.create(types, m);
        values[i]!.forEach((col, j) => chunk.setColumnValues(j, col.slice(s, s + m)));
        app.appendDataChunk(chunk);
      }
      app.closeSync();
      const f = join(dir, `duck-${run}-${i}.parquet`);
      await conn.run(`COPY t TO '${f}' (FORMAT parquet, COMPRESSION snappy)`);
      bytes += statSync(f).size;
    }
    const c = process.cpuUsage(c0);
    note('duckdb appender + COPY', { cpu: (c.user + c.system) / 1e6, wall: (performance.now() - t0) / 1000 }, bytes);
  }
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  for (const [k, r] of Object.entries(result)) {
    console.log(`${k.padEnd(24)} CPU ${med(r.cpu).toFixed(2)} s, wall ${med(r.wall).toFixed(2)} s = ${Math.round(all.length / med(r.wall))} rows/s, ${(r.bytes / 2 ** 20).toFixed(1)} MiB`);
  }
  const q = async (glob: string): Promise<string> => JSON.stringify((await conn.runAndReadAll(`SELECT count(*), sum(hash(${cols.map((c) => c.name).join(', ')})) FROM read_parquet('${glob}')`)).getRowsJS(), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  const want = await q(join(dir, 'parquet_wasm-0-*.parquet'));
  for (const k of [...WASM.slice(1).map(([w]) => w.replace(/\W+/g, '_')), 'duck']) {
    const got = await q(join(dir, `${k}-0-*.parquet`));
    console.log(`${k} read back by DuckDB: ${got === want ? 'the same rows as parquet-wasm' : `DIFFERENT: ${got} vs ${want}`}`);
  }
  conn.closeSync();
  db.closeSync();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
