// The schema's row builders: the views' path (rowsFor a view context) gives the same rows as
// export; clock text and identities; the generated docs list every column.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { toJsonLine } from '../../analyzer/schema/encode.js';
import { execsView } from '../../analyzer/views/execs.js';
import { epermView } from '../../analyzer/views/eperm.js';
import { captureRows } from '../../analyzer/library.js';
import { HostClock } from '../../analyzer/schema/clock.js';
import { TABLES, TABLE_NAMES, type TableName } from '../../analyzer/schema/tables.js';
import { ttyName } from '../../analyzer/schema/rows.js';
import { runView } from '../helpers.js';

const FIX = 'fixtures/incident.cap';

describe('schema rows', () => {
  it('views\' --json rows carry what export writes for their kind (execs -x, eperm --list)', async () => {
    const pick = (line: string, table: TableName) => { const o = JSON.parse(line); return Object.fromEntries(TABLES[table].columns.map((c) => [c.name, o[c.name]])); };
    for (const [view, table] of [[execsView({ fails: true, maxArgs: 20 }), 'execs'], [epermView('comm-syscall', { list: true }), 'syscall_errors']] as const) {
      const fromView = (await runView(FIX, view, { json: true })).text.trim().split('\n').map((l) => pick(l, table));
      const fromExport: object[] = [];
      for await (const [t, row] of captureRows(FIX)) if (t === table) fromExport.push(pick(toJsonLine(t, row), table));
      expect(fromView.length).toBeGreaterThan(table === 'execs' ? 30 : 1);
      expect(fromView).toEqual(fromExport);
    }
  });

  it('times: ns since the epoch and the host clock with its offset, across a DST change', () => {
    const c = new HostClock({ hostname: 'h', startWallSec: 1_711_846_799, startWallNsec: 999_999_999, timezone: 'Europe/Paris', startMonoSec: 7, startMonoNsec: 5 });
    expect(c.epochNs(0)).toBe(1_711_846_799_999_999_999n);
    expect(c.text(c.epochNs(0))).toBe('2024-03-31T01:59:59.999999999+01:00');
    expect(c.text(c.epochNs(1))).toBe('2024-03-31T03:00:00.000000000+02:00');
    expect(c.processId(42, -2_000_000_000)).toBe('42@5000000005');
    expect(c.processId(42, null)).toBe('42@?');
    expect(new HostClock({ utcOffsetSec: -18000 }).text(0n)).toBe('1969-12-31T19:00:00.000000000-05:00');
  });

  it('names terminals', () => {
    expect(ttyName((136 << 20) | 3)).toBe('pts/3');
    expect(ttyName((4 << 20) | 1)).toBe('tty1');
    expect(ttyName(0)).toBeNull();
  });

  it('docs/schema.md documents every column of every table', () => {
    const doc = readFileSync('docs/schema.md', 'utf8');
    for (const t of TABLE_NAMES) {
      expect(doc).toContain(`## \`${t}\``);
      for (const c of TABLES[t].columns) expect(doc).toContain(`| \`${c.name}\` |`);
    }
  });
});
