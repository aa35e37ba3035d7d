// Writes docs/schema.md from analyzer/schema/tables.ts, the kinds' tables (analyzer/kinds/) and
// info's keys (analyzer/views/info.ts), as built to dist/. --check: fail if stale.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { TABLES, TABLE_NAMES, EVENT_COLUMNS } from '../dist/analyzer/schema/tables.js';
import { INFO_KEYS } from '../dist/analyzer/views/info.js';

const TYPES = {
  str: 'string (UTF-8)', bool: 'boolean', i32: 'int32', u32: 'uint32', i64: 'int64',
  bin: 'binary (base64 in JSON/CSV)', list_bin: 'list<binary>', list_str: 'list<string>',
};

const intro = `# Captures as data: the record schema

Generated from \`analyzer/schema/tables.ts\` and \`analyzer/kinds/\` by
\`node scripts/gen-schema-doc.mjs\` (CI fails when it drifts). \`secanalyze export\` and
\`secanalyze sql\` write and read exactly these tables and columns;
the library (\`import { toArrow, captureRows } from 'secrec'\`) gives the same rows.

## Conventions

- **One table per kind**: ${TABLE_NAMES.map((t) => `\`${t}\``).join(', ')}.
- **Host and boot on every row**: \`hostname\` and \`boot_id\`, so tables of many captures concatenate.
- **Times twice**: \`ts_ns\` is nanoseconds since the Unix epoch (int64: exact, also in JSON, where
  it is written as digits); \`time\` is the same instant as text on the recorded host's clock and
  time zone, with nanoseconds and the UTC offset (\`2026-11-23T17:26:39.123456789+01:00\`);
  \`offset_ns\` counts from the capture start, as \`--since\` does.
- **Process identities** are \`pid@start\`: the pid and the process start in nanoseconds of
  CLOCK_MONOTONIC on that boot (the kernel's own start time), so a reused pid is a different
  process, and \`(boot_id, process)\` is unique across a fleet. \`pid@?\` when the start is unknown.
  Join events to \`processes\` on \`(boot_id, process)\`; \`processes.parent\` is the parent's identity.
- **Bytes are raw**: host data (names, paths, arguments, terminal output) is \`binary\` in
  Arrow/Parquet and base64 in JSON/CSV, exactly as captured. Beside each, \`<name>_text\` holds the
  same bytes as text when they are valid UTF-8 (lossless), else null. Nothing is escaped for a
  terminal: that belongs to the views' text output only (and to \`secanalyze sql\`'s table output).
- **Lists** (argv) are Arrow/Parquet lists; in CSV a cell holds them as a JSON array.

## Layout of an export (the fleet path)

    OUT/host=<hostname>/kind=<table>/<start>-<boot>-<recorder pid>[-<part>].<parquet|arrow|csv|ndjson>

Hive partitions: the layout DuckDB, Spark, pyarrow and Polars read natively, from a disk or from
object storage, as one table per kind over the whole fleet, pruning by host. Every capture
writes every kind (an empty file when it has no rows), so each table's schema is always there.
The folder value of \`host=\` is the hostname with characters outside \`[A-Za-z0-9._-]\` %-encoded;
the exact hostname is the \`hostname\` column. Parquet is Snappy-compressed (every reader has it);
Parquet and Arrow files are written in parts of \`--batch-rows\` rows, so memory stays flat.

    secanalyze export caps/*.cap -o fleet/                  # then copy fleet/ to object storage
    duckdb -c "SELECT host, count(*) FROM read_parquet('fleet/*/kind=execs/*.parquet', hive_partitioning = true) GROUP BY 1"
    spark.read.option("basePath", "s3a://b/fleet/").parquet("s3a://b/fleet/*/kind=execs")   # PySpark: host and kind columns from the path

Tested here: a 20-capture export read back with DuckDB (globs, hive partitions) and with hyparquet,
an independent reader (test/analyzer/export.test.ts). For a Hive-metastore engine (Trino, Athena),
define one external table per kind partitioned by \`host\` and register each \`host=…/kind=…\`
folder as a partition location.

\`secanalyze sql QUERY INPUT...\` reads captures directly (it exports them to Parquet in a
temporary folder first) and Parquet export folders, and names the tables as below.

## Columns common to every event table

Every table but \`processes\` and \`lost\` starts with these columns.

${table(EVENT_COLUMNS)}
`;

function table(cols) {
  const rows = cols.map((c) => `| \`${c.name}\` | ${TYPES[c.type]} | ${c.unit || ''} | ${c.doc.replace(/\|/g, '\\|')} |`);
  return ['| column | type | unit | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

let out = intro;
for (const t of TABLE_NAMES) {
  const def = TABLES[t];
  const own = t === 'processes' || t === 'lost' ? def.columns : def.columns.slice(EVENT_COLUMNS.length);
  out += `\n## \`${t}\`\n\n${def.doc}${own === def.columns ? '' : ' The common event columns, then:'}\n\n${table(own)}\n`;
}

out += `
## \`secanalyze info --json\`

Not a table: one JSON object describing the capture, with these keys in this order (the text
output shows the same values).

| key | meaning |
| --- | --- |
${INFO_KEYS.map(([k, doc]) => `| \`${k}\` | ${doc.replace(/\|/g, '\\|')} |`).join('\n')}
`;

const path = new URL('../docs/schema.md', import.meta.url);
if (process.argv.includes('--check')) {
  let cur = '';
  try { cur = readFileSync(path, 'utf8'); } catch { /* missing */ }
  if (cur !== out) { console.error('docs/schema.md is out of date: run node scripts/gen-schema-doc.mjs'); process.exit(1); }
} else {
  mkdirSync(new URL('../docs/', import.meta.url), { recursive: true });
  writeFileSync(path, out);
}
