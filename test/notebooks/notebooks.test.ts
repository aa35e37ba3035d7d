// The notebooks run (Jupyter + the Deno kernel, as a responder opens them) and print the same
// numbers as the views. A notebook that does not run is a failed test.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execsView } from '../../analyzer/views/execs.js';
import { epermView } from '../../analyzer/views/eperm.js';
import { runView, tmp } from '../helpers.js';

const FIX = 'fixtures/incident.cap';

/** Executes a notebook; returns its text outputs, cell by cell. Throws on a cell error. */
function execute(name: string): string[] {
  const out = tmp();
  execFileSync('jupyter', ['nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.timeout=300', '--output-dir', out, join('notebooks', name)], { stdio: ['ignore', 'ignore', 'pipe'] });
  const nb = JSON.parse(readFileSync(join(out, name), 'utf8'));
  const texts: string[] = [];
  for (const c of nb.cells) {
    if (c.cell_type !== 'code') continue;
    for (const o of c.outputs) if (o.output_type === 'error') throw new Error(`${name}: ${o.ename}: ${o.evalue}`);
    // Notebooks print through display data (text/plain); stream output is read too.
    const text = (o: any): string => [].concat(o.output_type === 'stream' ? o.text : o.data?.['text/plain'] ?? []).join('');
    texts.push(c.outputs.map((o: any) => text(o)).filter((t: string) => t).join('\n'));
  }
  return texts;
}

describe('notebooks', () => {
  it('triage.ipynb: tree, execs from /tmp, EPERM by user and a chart, equal to the views', async () => {
    const [, tree, execs, eperm, chart] = execute('triage.ipynb');
    expect(tree).toMatch(/^\d+ processes shown of \d+/);
    expect(tree).toContain('/tmp/secrec-scenario.');
    const nExecs = (await runView(FIX, execsView({ fails: true, maxArgs: 20 }), { json: true })).text.trim().split('\n').length;
    expect(execs).toContain(`${nExecs} execs, 2 from /tmp or /dev/shm`);
    const view = (await runView(FIX, epermView('uid'), { json: true })).text.trim().split('\n').map((l) => JSON.parse(l));
    for (const v of view) expect(eperm).toMatch(new RegExp(`^${v.user} ${v.errno_name} \\w+: ${v.count}$`, 'm'));
    expect(chart).toMatch(/^chart: \d+ bars, \d+ bytes of SVG/);
  });

  it('fleet.ipynb: SQL over a Parquet export of four hosts', () => {
    const out = execute('fleet.ipynb').join('\n');
    expect(out).toContain('vm: 756 records');
    expect(out).toMatch(/\|db-02\|EPERM\|setuid\|\/tmp\/\.x\/miner\|5\|/);
    expect(out).toMatch(/\|\/tmp\/\.x\/miner\|db-02\|1\|/);
  });
});
