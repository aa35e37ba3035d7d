// secanalyze sql: SQL on embedded DuckDB over captures (exported to Parquet in a temporary
// folder first) and over existing Parquet exports (host=…/kind=… folders). Each table of
// schema/tables.ts is a view over every input, so one query spans many hosts.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { exportCapture } from './export.js';
import { TABLE_NAMES } from './schema/tables.js';

export interface SqlInputs {
  /** Capture files, export folders, or globs of either. */
  inputs: string[];
  warn?: (msg: string) => void;
}

export interface SqlSession {
  conn: DuckDBConnection;
  /** Capture files that were read. */
  captures: string[];
  close(): void;
}

const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** Expands globs with DuckDB's own glob() (no shell needed), sorted. */
async function expand(conn: DuckDBConnection, pattern: string): Promise<string[]> {
  if (!/[*?[]/.test(pattern)) return [pattern];
  const r = await conn.runAndReadAll(`SELECT file FROM glob(${quote(pattern)}) ORDER BY file`);
  const files = r.getRowsJS().map((row) => String(row[0]));
  if (!files.length) throw new Error(`${pattern}: no file matches`);
  return files;
}

/** Opens DuckDB with one view per table over every input. */
export async function openSql(o: SqlInputs): Promise<SqlSession> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const tmp = mkdtempSync(join(tmpdir(), 'secanalyze-sql-'));
  const close = (): void => { conn.closeSync(); db.closeSync(); rmSync(tmp, { recursive: true, force: true }); };
  try {
    const roots: string[] = [];
    const captures: string[] = [];
    for (const input of o.inputs) {
      for (const path of await expand(conn, input)) {
        let st;
        try { st = statSync(path); } catch (e) { throw new Error(`${path}: ${(e as Error).message}`); }
        if (st.isDirectory()) roots.push(path);
        else captures.push(path);
      }
    }
    if (captures.length) {
      const out = join(tmp, 'export');
      for (const f of captures) {
        const r = await exportCapture(f, { format: 'parquet', outDir: out, ...(o.warn ? { warn: o.warn } : {}) });
        if (!r.intact) o.warn?.(`${f}: ${r.verdict}; every intact record was read`);
      }
      roots.push(out);
    }
    for (const t of TABLE_NAMES) {
      const globs = roots.map((r) => quote(join(r, 'host=*', `kind=${t}`, '*.parquet')));
      const have = await conn.runAndReadAll(`SELECT count(*) FROM glob([${globs.join(',')}])`);
      if (Number(have.getRowsJS()[0]![0]) === 0) { o.warn?.(`no ${t} table in the inputs (only Parquet exports and captures are read)`); continue; }
      // hive_partitioning off: hostname is a column of its own, exact (the folder name is %-encoded).
      await conn.run(`CREATE VIEW ${t} AS SELECT * FROM read_parquet([${globs.join(',')}], union_by_name = true, hive_partitioning = false)`);
    }
    return { conn, captures, close };
  } catch (e) {
    close();
    throw e;
  }
}

export interface QueryResult { columns: string[]; rows: unknown[][] }

/** Runs one query; values come back as JS values (BIGINT as bigint, BLOB as Uint8Array). */
export async function query(conn: DuckDBConnection, sql: string): Promise<QueryResult> {
  const r = await conn.runAndReadAll(sql);
  return { columns: r.columnNames(), rows: r.getRowsJS() as unknown[][] };
}

/** Runs SQL over captures and exports in one call (opens and closes DuckDB). */
export async function sql(text: string, inputs: string[], warn?: (msg: string) => void): Promise<QueryResult> {
  const s = await openSql({ inputs, ...(warn ? { warn } : {}) });
  try { return await query(s.conn, text); } finally { s.close(); }
}
