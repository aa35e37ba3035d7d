// The library entry point, imported by package name as a script or notebook would (self-reference
// through package.json "exports", resolved to dist/: run after the build), typed.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as aq from 'arquero';
import { readCapture, processTree, toArrow, captureTables, TABLES, type Row } from 'secrec';

const FIX = 'fixtures/incident.cap';

describe("import from 'secrec'", () => {
  it('reads records, builds the tree and gives Arrow tables arquero reads', async () => {
    let n = 0;
    for await (const r of readCapture(FIX)) if (r.body === 'exec') n++;
    expect(n).toBeGreaterThan(10);
    const tree = await processTree(FIX);
    expect(tree.all.length).toBeGreaterThan(10);
    const t = aq.fromArrow(await toArrow(FIX, 'execs'));
    expect(t.numRows()).toBe(n);
    expect(t.columnNames()).toEqual(TABLES.execs.columns.map((c) => c.name));
    const { syscall_errors: errs } = await captureTables(FIX, ['syscall_errors']);
    const first: Row = errs[0]!;
    expect(first['errno_name']).toMatch(/^E(PERM|ACCES)$/);
  });

  it('type-checks a consumer script against the published declarations', () => {
    const dir = join('test', '.tmp-lib');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'use.ts'), `import { processTree, toArrow, type TableName } from 'secrec';
const t: TableName = 'execs';
export const n: Promise<number> = toArrow('x.cap', t).then((a) => a.numRows);
export const p = processTree('x.cap').then((tree) => tree.all.map((q) => q.key));
// @ts-expect-error: not a table
toArrow('x.cap', 'nope');
`);
    execFileSync('npx', ['tsc', '--noEmit', '--strict', '--module', 'Node16', '--moduleResolution', 'Node16', '--target', 'ES2022', '--skipLibCheck', '--types', 'node', join(dir, 'use.ts')], { encoding: 'utf8' });
  });
});
