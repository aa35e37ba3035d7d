import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TICKET_NAMES } from '../../analyzer/cli.js';
import { TICKET_COMMANDS } from '../../analyzer/ticket.js';

/** Runs the built cli with a loader hook that lists every module it loads on stderr. */
function loads(args: string[]): { out: string; modules: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'secanalyze-startup-'));
  writeFileSync(join(dir, 'hooks.mjs'), "export async function load(u, c, n) { if (!u.startsWith('node:')) process.stderr.write('LOAD ' + u + '\\n'); return n(u, c); }\n");
  writeFileSync(join(dir, 'reg.mjs'), `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(join(dir, 'reg.mjs')).href, 'dist/analyzer/cli.js', ...args], { encoding: 'utf8' });
  return { out: r.stdout, modules: r.stderr.split('\n').filter((l) => l.startsWith('LOAD ')).map((l) => l.slice(5)) };
}

describe('cli startup', () => {
  it('names the analyst commands as analyzer/ticket.ts does', () => {
    expect([...TICKET_NAMES]).toEqual([...TICKET_COMMANDS]);
  });
  it('answers --version without commander, the reader or the views', () => {
    const { out, modules } = loads(['--version']);
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(modules.some((m) => m.endsWith('/analyzer/cli.js'))).toBe(true);
    for (const heavy of ['commander', 'zstd-napi', 'protobufjs', 'luxon', 'cli-progress', '/analyzer/commands.js', '/analyzer/pipeline.js']) {
      expect(modules.filter((m) => m.includes(heavy))).toEqual([]);
    }
  });
  it('export to CSV loads neither DuckDB nor the Arrow and Parquet libraries', () => {
    const out = mkdtempSync(join(tmpdir(), 'secanalyze-startup-export-'));
    const { modules } = loads(['export', 'fixtures/incident.cap', '--format', 'csv', '-o', join(out, 'x')]);
    expect(modules.some((m) => m.endsWith('/analyzer/export.js'))).toBe(true);
    for (const heavy of ['duckdb', 'parquet-wasm', 'flechette', '/analyzer/sql.js', '/schema/columns.js']) {
      expect(modules.filter((m) => m.includes(heavy))).toEqual([]);
    }
  });
  it('info loads no chart, ticket or data module', () => {
    const { out, modules } = loads(['info', 'fixtures/incident.cap']);
    expect(out).toContain('Format:');
    for (const heavy of ['vega', 'arquero', 'duckdb', 'cli-progress', '/analyzer/ticket.js', '/analyzer/triage/', '/analyzer/data-cli.js']) {
      expect(modules.filter((m) => m.includes(heavy))).toEqual([]);
    }
  });
});
