// Export: the fleet layout (20 captures, host=…/kind=…) read back with DuckDB and with an
// independent Parquet reader (hyparquet); every format carries the same rows; bytes are raw.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { tableFromIPC } from '@uwdata/flechette';
import { DuckDBInstance } from '@duckdb/node-api';
import type { RecordInit } from '../../format/index.js';
import { exportCapture, partitionValue } from '../../analyzer/export.js';
import { sql } from '../../analyzer/sql.js';
import { TABLE_NAMES, type Row } from '../../analyzer/schema/tables.js';
import { captureRows } from '../../analyzer/library.js';
import { arrowIpc, csvHeader, toArrowTable, toCsvLine, toJsonLine } from '../../analyzer/schema/encode.js';
import { mixed } from '../../bench/synth.js';
import { HEADER, tmp, writeCapture } from '../helpers.js';

const HOSTS = 20;
const FIX = 'fixtures/incident.cap';
const EVENTS = 3000;

function hostCapture(i: number): string {
  const recs: RecordInit[] = [...mixed(EVENTS)].map(([r]) => r);
  return writeCapture(recs, { header: { ...HEADER, hostname: `web-${String(i).padStart(2, '0')}`, bootId: `boot-${i}`, startWallSec: 1_700_000_000 + i } }).path;
}

describe('export', () => {
  it('20 captures → host=…/kind=… Parquet that DuckDB and hyparquet read back', async () => {
    const out = tmp();
    const expected = new Map<string, number>();
    for (let i = 0; i < HOSTS; i++) {
      const r = await exportCapture(hostCapture(i), { format: 'parquet', outDir: out, batchRows: 1000 });
      expect(r.intact).toBe(true);
      for (const t of TABLE_NAMES) expected.set(`${r.hostname}/${t}`, r.rows[t] ?? 0);
    }
    expect(readdirSync(out).sort()).toEqual(Array.from({ length: HOSTS }, (_, i) => `host=web-${String(i).padStart(2, '0')}`));
    expect(readdirSync(join(out, 'host=web-07')).sort()).toEqual(TABLE_NAMES.map((t) => `kind=${t}`).sort());

    // DuckDB, the way a fleet engine reads it: globs over the partitions, host from the path.
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    for (const t of ['execs', 'opens', 'syscall_errors', 'forks', 'exits', 'tty_writes']) {
      const r = await conn.runAndReadAll(`SELECT host, hostname, count(*) FROM read_parquet('${out}/*/kind=${t}/*.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY 1`);
      const rows = r.getRowsJS();
      expect(rows.length).toBe(HOSTS);
      for (const [host, hostname, n] of rows) {
        expect(host).toBe(hostname);
        expect(Number(n)).toBe(expected.get(`${hostname}/${t}`));
        expect(Number(n)).toBeGreaterThan(0);
      }
    }
    const ts = await conn.runAndReadAll(`SELECT min(ts_ns), max(ts_ns) FROM read_parquet('${out}/host=web-03/kind=opens/*.parquet')`);
    expect(ts.getRowsJS()[0]![0]).toBeGreaterThan(1_700_000_003_000_000_000n);
    conn.closeSync();

    // hyparquet: an independent reader, file by file.
    let seen = 0;
    for (const t of ['execs', 'syscall_errors']) {
      const dir = join(out, 'host=web-11', `kind=${t}`);
      for (const f of readdirSync(dir)) {
        const rows = await parquetReadObjects({ file: await asyncBufferFromFile(join(dir, f)) });
        seen += rows.length;
        for (const row of rows) {
          expect(row['hostname']).toBe('web-11');
          expect(typeof row['ts_ns']).toBe('bigint');
          expect(row['process']).toMatch(/^\d+@(\d+|\?)$/);
          if (t === 'execs') expect(row['argv_text']).toEqual(['curl', '-s', expect.stringMatching(/^http:\/\/10\.0\.0\./)]);
          if (t === 'syscall_errors') expect(['EPERM', 'EACCES']).toContain(row['errno_name']);
        }
      }
    }
    expect(seen).toBe((expected.get('web-11/execs') ?? 0) + (expected.get('web-11/syscall_errors') ?? 0));

    // sql over the export folder gives the same totals as over the captures.
    const q = await sql('SELECT count(*) FROM opens', [out]);
    expect(Number(q.rows[0]![0])).toBe([...expected].filter(([k]) => k.endsWith('/opens')).reduce((a, [, n]) => a + n, 0));
  });

  it('csv, ndjson, arrow and parquet hold the same rows; bytes stay raw', async () => {
    const weird = Buffer.from([0x1b, 0x5d, 0x30, 0x3b, 0x78, 0x07, 0xff, 0x2c, 0x22, 0x0a]);
    const cap = writeCapture([
      { ts: 5, pid: 9, tid: 9, ppid: 1, uid: 0, comm: Buffer.from('sh'), readline: { line: weird } },
      { ts: 6, pid: 9, tid: 9, ppid: 1, uid: 0, comm: Buffer.from('sh'), readline: { line: Buffer.from('echo hé, "x"') } },
    ], { header: { ...HEADER, hostname: '../ev il\n', timezone: 'Europe/Paris' } }).path;
    const res: { [f: string]: string } = {};
    for (const format of ['csv', 'ndjson', 'arrow', 'parquet'] as const) {
      const out = tmp();
      const r = await exportCapture(cap, { format, outDir: out });
      expect(r.files.length).toBe(TABLE_NAMES.length);
      res[format] = r.files.find((f) => f.includes('kind=readline'))!;
      expect(res[format]).toContain(`host=${partitionValue('../ev il\n')}/`);
      expect(partitionValue('../ev il\n')).toBe('..%2Fev%20il%0A');
    }
    const nd = readFileSync(res['ndjson']!, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(Buffer.from(nd[0].line, 'base64')).toEqual(weird);
    expect(nd[0].line_text).toBeNull();
    expect(nd[1].line_text).toBe('echo hé, "x"');
    expect(nd[0].time).toBe('2023-11-14T23:13:20.000000005+01:00');
    expect(nd[0].hostname).toBe('../ev il\n');
    const csv = readFileSync(res['csv']!, 'utf8');
    expect(csv).toContain(`,${weird.toString('base64')},,`);
    expect(csv).toContain(',"echo hé, ""x""",');
    const arrow = tableFromIPC(readFileSync(res['arrow']!), { useBigInt: true }).toArray();
    expect(Buffer.from(arrow[0]!['line'] as Uint8Array)).toEqual(weird);
    const pq = await parquetReadObjects({ file: await asyncBufferFromFile(res['parquet']!), utf8: false });
    expect(Buffer.from(pq[0]!['line'] as Uint8Array)).toEqual(weird);
    expect(pq[1]!['line_text']).toBe('echo hé, "x"');
    const exact = [...readFileSync(res['ndjson']!, 'utf8').matchAll(/"ts_ns":(\d+)/g)].map((m) => BigInt(m[1]!));
    expect(exact).toEqual([1_700_000_000_000_000_005n, 1_700_000_000_000_000_006n]); // JSON digits, never rounded
    expect(pq.map((r) => r['ts_ns'])).toEqual(exact);
  });

  it('writes, from each record, what its row gives (every table and format, over many parts)', async () => {
    const bad = Buffer.from([0xc3, 0x28, 0xff]); // invalid UTF-8
    const long = Buffer.concat([Buffer.alloc(200, 0x41), bad]);
    const base = { pid: 77, tid: 78, ppid: 1, uid: 1000, gid: 1000, cpu: 3, cgroup: 2 ** 40 + 5 };
    const hostile: RecordInit[] = [
      ...[...mixed(300)].map(([r]) => r),
      { ...base, ts: 9e6, comm: bad, exec: { filename: long, argv: [Buffer.from('a'), Buffer.alloc(0), bad, Buffer.from('é')], argc: 9, argsTruncated: true, ret: -2, source: 1, ino: '18446744073709551615' } },
      { ...base, ts: 9e6 + 1, comm: Buffer.from('x'), open: { path: Buffer.alloc(0), ret: -13, call: 7, resolve: 2 ** 52 + 3 } },
      { ...base, ts: 9e6 + 2, ttyWrite: { rdev: (4 << 20) | 70, data: long, len: 5000, call: 9 } },
      { ...base, ts: 9e6 + 3, syscallError: { nr: 5, errno: 1, abi: 1 } },
      { ...base, ts: 9e6 + 4, moduleLoad: { name: bad, taints: 4097 } },
      { ...base, ts: 9e6 + 5, fork: { childPid: 90, childTid: 91, thread: true } },
      { ...base, ts: 9e6 + 6, lost: { probe: 'open', lane: 'bulk', count: 12 } },
      { ...base, ts: 9e6 + 7, readline: { line: long, truncated: true } },
      { ...base, ts: 9e6 + 8, exit: { code: -1, signal: 9, coreDumped: true } },
    ];
    for (const cap of [FIX, writeCapture(hostile, { header: { ...HEADER, hostname: 'h"o\nst', timezone: 'Europe/Paris' } }).path]) {
      const want = new Map<string, Row[]>(TABLE_NAMES.map((t) => [t, []]));
      for await (const [t, row] of captureRows(cap)) want.get(t)!.push(row);
      for (const format of ['ndjson', 'csv', 'arrow'] as const) {
        const r = await exportCapture(cap, { format, outDir: tmp(), batchRows: 7 }); // parts of 7 rows: builders start over often
        for (const t of TABLE_NAMES) {
          const files = r.files.filter((f) => f.includes(`/kind=${t}/`)).sort();
          const rows = want.get(t)!;
          if (format === 'arrow') {
            const got = files.flatMap((f) => tableFromIPC(new Uint8Array(readFileSync(f)), { useBigInt: true }).toArray());
            expect(got, `${cap} ${t}`).toEqual(tableFromIPC(arrowIpc(toArrowTable(t, rows), true), { useBigInt: true }).toArray());
            expect(files.length).toBeGreaterThanOrEqual(Math.ceil(rows.length / 7));
          } else {
            const text = rows.map((row) => `${(format === 'csv' ? toCsvLine : toJsonLine)(t, row)}\n`).join('');
            expect(readFileSync(files[0]!, 'utf8'), `${cap} ${t} ${format}`).toBe((format === 'csv' ? `${csvHeader(t)}\n` : '') + text);
          }
        }
      }
    }
  });

  it('refuses to overwrite an earlier export', async () => {
    const out = tmp();
    await exportCapture('fixtures/incident.cap', { format: 'ndjson', outDir: out });
    await expect(exportCapture('fixtures/incident.cap', { format: 'ndjson', outDir: out })).rejects.toThrow(/never overwrites/);
  });
});
