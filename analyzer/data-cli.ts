// `secanalyze export` and `secanalyze sql`: captures as data. Each parses its own options.
import { Command, InvalidArgumentError, Option } from 'commander';
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { EXPORT_FORMATS, exportCaptures, type ExportFormat } from './export.js';
import type { QueryResult } from './sql.js';
import { esc } from './text.js';
import { TABLE_NAMES } from './schema/tables.js';

const warn = (m: string): void => { process.stderr.write(`secanalyze: ${m}\n`); };

/** A result value as JSON-ready data: bytes as base64, 64-bit integers exact (text beyond 2^53). */
function plainValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(plainValue);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainValue(x)]));
  return v;
}

const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
function cellText(v: unknown): string {
  const p = plainValue(v);
  return p === null || p === undefined ? '' : typeof p === 'object' ? JSON.stringify(p) : String(p);
}

export function renderResult(r: QueryResult, mode: 'table' | 'json' | 'csv'): string {
  if (mode === 'json') return r.rows.map((row) => JSON.stringify(Object.fromEntries(r.columns.map((c, i) => [c, plainValue(row[i])])))).join('\n') + (r.rows.length ? '\n' : '');
  if (mode === 'csv') return [r.columns.map(csvField).join(','), ...r.rows.map((row) => row.map((v) => csvField(cellText(v))).join(','))].join('\n') + '\n';
  // Terminal text: captured bytes escaped, so a hostile value cannot rewrite the screen.
  const cells = [r.columns.map((c) => esc(c)), ...r.rows.map((row) => row.map((v) => esc(cellText(v))))];
  const widths = r.columns.map((_, i) => { let w = 0; for (const row of cells) w = Math.max(w, row[i]!.length); return Math.min(80, w); });
  const lines = cells.map((row) => row.map((s, i) => (typeof r.rows[0]?.[i] === 'number' || typeof r.rows[0]?.[i] === 'bigint' ? s.padStart(widths[i]!) : s.padEnd(widths[i]!))).join('  ').trimEnd());
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return lines.join('\n') + `\n(${r.rows.length} row${r.rows.length === 1 ? '' : 's'})\n`;
}

function exportCommand(): Command {
  return new Command('secanalyze export')
    .description('Write captures as tables (one per kind), partitioned host=…/kind=…, for DuckDB, pandas, Spark or Trino.')
    .argument('<file...>', 'capture files (the shell expands globs)')
    .addOption(new Option('--format <fmt>', 'output format').choices([...EXPORT_FORMATS]).default('parquet'))
    .requiredOption('-o, --output <dir>', 'output folder (created; existing files are never overwritten)')
    .option('--batch-rows <n>', 'rows per Parquet/Arrow part file (bounds memory)', (v) => Number(v), 16_384)
    .option('-j, --jobs <n>', 'captures exported at once, each in its own worker thread (default: one per core, at most 8)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('a whole number from 1 to 64');
      return n;
    })
    .addHelpText('after', `
Examples:
  secanalyze export incident.cap -o out/
  secanalyze export caps/*.cap --format ndjson -o out/
  duckdb -c "SELECT comm_text, count(*) FROM 'out/host=*/kind=execs/*.parquet' GROUP BY 1"
Tables and columns: docs/schema.md.`);
}

function sqlCommand(): Command {
  return new Command('secanalyze sql')
    .description(`Run SQL (DuckDB) over captures and Parquet exports: tables ${TABLE_NAMES.join(', ')}.`)
    .argument('<query>', 'one SQL statement')
    .argument('<input...>', 'capture files, export folders, or quoted globs (caps/*.cap)')
    .option('--json', 'one JSON object per row')
    .option('--csv', 'CSV with a header line')
    .addHelpText('after', `
Examples:
  secanalyze sql "SELECT comm_text, count(*) FROM execs GROUP BY 1 ORDER BY 2 DESC" incident.cap
  secanalyze sql "SELECT hostname, errno_name, count(*) n FROM syscall_errors GROUP BY ALL" 'caps/*.cap' --csv
Tables and columns: docs/schema.md.`);
}

/** Runs `export` or `sql` (argv without the program name); returns the exit code. */
export async function runDataCommand(argv: string[]): Promise<number> {
  const cmd = argv[0] === 'export' ? exportCommand() : sqlCommand();
  cmd.exitOverride();
  try {
    cmd.parse(argv.slice(1), { from: 'user' });
  } catch (e) {
    return (e as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const o = cmd.opts();
  if (argv[0] === 'export') {
    const files = cmd.args;
    mkdirSync(o['output'], { recursive: true });
    let damaged = false;
    const jobs = o['jobs'] ?? Math.min(availableParallelism(), 8);
    await exportCaptures(files, { format: o['format'] as ExportFormat, outDir: o['output'], batchRows: o['batchRows'], warn }, jobs, (f, r, s) => {
      const n = Object.values(r.rows).reduce((a, b) => a + (b ?? 0), 0);
      warn(`${f}: ${r.records} records → ${n} rows in ${r.files.length} files (${s.toFixed(2)} s, ${Math.round(r.records / s)} records/s); ${r.verdict}`);
      if (!r.intact) damaged = true;
    });
    return damaged ? 3 : 0;
  }
  const [text, ...inputs] = cmd.args as [string, ...string[]];
  const { sql } = await import('./sql.js'); // DuckDB: not loaded for an export
  const r = await sql(text, inputs, warn);
  process.stdout.write(renderResult(r, o['json'] ? 'json' : o['csv'] ? 'csv' : 'table'));
  return 0;
}
