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
import { TABLE_NAMES } from '../../analyzer/schema/tables.js';
import { mixed } from '../../bench/synth.js';
import { HEADER, tmp, writeCapture } from '../helpers.js';

const HOSTS = 20;
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

  it('refuses to overwrite an earlier export', async () => {
    const out = tmp();
    await exportCapture('fixtures/incident.cap', { format: 'ndjson', outDir: out });
    await expect(exportCapture('fixtures/incident.cap', { format: 'ndjson', outDir: out })).rejects.toThrow(/never overwrites/);
  });
});
