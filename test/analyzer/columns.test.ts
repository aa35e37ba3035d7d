// The Arrow column builders (analyzer/schema/columns.ts) against flechette's generic builders,
// which they replace for speed: the same IPC bytes for every table, on the fixture's rows and on
// rows that hold every kind of value a column can (nulls, empty and invalid UTF-8 bytes, empty
// lists, null list elements, int64 beyond 2^53).
import { describe, expect, it } from 'vitest';
import * as fl from '@uwdata/flechette';
import { captureTables } from '../../analyzer/library.js';
import { arrowColumns, arrowIpc, arrowType, toArrowTable } from '../../analyzer/schema/encode.js';
import type { HostClock } from '../../analyzer/schema/clock.js';
import type { Feed } from '../../analyzer/schema/columns.js';
import { CLOCKS, OFFSETS } from './clocks.js';
import { TABLES, TABLE_NAMES, type ColumnType, type Row, type TableName, type Value } from '../../analyzer/schema/tables.js';

const SAMPLES: { [T in ColumnType]: Value[] } = {
  str: [null, '', 'a', 'hé "x",\n', 'x'.repeat(300), '\ud800'],
  bool: [null, true, false],
  i32: [null, -5, 0, 2147483647, -2147483648],
  u32: [null, 0, 4294967295, 7],
  i64: [null, 0, -1, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 32, -(2 ** 32) - 1, 2n ** 63n - 1n, -(2n ** 63n), 1_795_300_000_123_456_789n],
  bin: [null, new Uint8Array(), Buffer.from([0xff, 0xfe]), Buffer.alloc(100, 1), Buffer.from('ab')],
  list_bin: [null, [], [Buffer.from('a'), new Uint8Array()], [Buffer.alloc(40, 2)]],
  list_str: [null, [], ['a', null, ''], [null], ['é'.repeat(50)]],
};

/** n rows whose column j cycles through its type's samples with its own stride; from row
 * `nullsFrom` on every value is null (buffers sized by the last value, not the last row). */
function rows(table: TableName, n: number, nullsFrom = n): Row[] {
  return Array.from({ length: n }, (_, i) => Object.fromEntries(TABLES[table].columns.map((c, j) => {
    const s = SAMPLES[c.type];
    return [c.name, i >= nullsFrom ? null : s[(i * (j + 1) + (i >> 3)) % s.length]!];
  })));
}

/** What flechette's tableFromArrays writes for the same rows and types. */
function reference(table: TableName, rs: readonly Row[]): Uint8Array {
  const cols = TABLES[table].columns;
  const data = Object.fromEntries(cols.map((c) => [c.name, rs.map((r) => r[c.name] ?? null)]));
  return arrowIpc(fl.tableFromArrays(data as never, { types: Object.fromEntries(cols.map((c) => [c.name, arrowType(c)])) }), true);
}

describe('Arrow column builders', () => {
  it('write the bytes flechette writes, for every table and many row counts', () => {
    for (const t of TABLE_NAMES) {
      for (const [n, nullsFrom] of [[0], [1], [7], [8], [9], [63], [64], [65], [1000], [2050, 10], [600, 0]] as [number, number?][]) {
        const rs = rows(t, n, nullsFrom);
        expect(Buffer.from(arrowIpc(toArrowTable(t, rs), true)).equals(Buffer.from(reference(t, rs))), `${t}, ${n} rows, nulls from ${nullsFrom}`).toBe(true);
      }
    }
  });

  it('and on the fixture\'s rows', async () => {
    const tables = await captureTables('fixtures/incident.cap', TABLE_NAMES);
    for (const t of TABLE_NAMES) {
      expect(Buffer.from(arrowIpc(toArrowTable(t, tables[t]), true)).equals(Buffer.from(reference(t, tables[t]))), t).toBe(true);
    }
  });

  it('write times from a record\'s offset (ts_ns, time) as from its row', () => {
    const cols = TABLES.opens.columns;
    const ts = cols.findIndex((c) => c.name === 'ts_ns');
    const time = cols.findIndex((c) => c.name === 'time');
    const fed = arrowColumns('opens');
    const added = arrowColumns('opens');
    const feed: Feed<HostClock, null> = (r, clock, _h, b) => b.forEach((x, j) => {
      const o = x as unknown as { addEpoch(c: HostClock, ts: number): void; addTime(c: HostClock, ts: number): void; add(v: Value): void };
      if (j === ts) o.addEpoch(clock, r as number); else if (j === time) o.addTime(clock, r as number); else o.add(null);
    });
    for (const clock of CLOCKS) {
      for (const offset of OFFSETS) {
        fed.feed(feed, offset, clock, null);
        const ns = clock.epochNs(offset);
        added.add({ ts_ns: ns, time: clock.text(ns) });
      }
    }
    expect(Buffer.from(arrowIpc(fed.take(), true)).equals(Buffer.from(arrowIpc(added.take(), true)))).toBe(true);
  });
});
