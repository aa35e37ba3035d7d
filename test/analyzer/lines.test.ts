// Export's byte-level line writers (analyzer/schema/lines.ts) against the text values.ts gives,
// which they replace for speed: each writer call, on every kind of value a column can hold (JSON
// and CSV escapes, invalid and non-ASCII UTF-8, unsafe and 64-bit integers, protobufjs' default
// Longs, times at second edges, before the epoch, past 2^53 and across a DST change), with
// values large enough that the buffer is handed out in the middle of a line.
import { describe, expect, it } from 'vitest';
import { lineWriter, type LineWriter, type TextFormat } from '../../analyzer/schema/lines.js';
import { HELPERS } from '../../analyzer/schema/rows.js';
import { TABLES, type Value } from '../../analyzer/schema/tables.js';
import { csvValue, jsonValue } from '../../analyzer/schema/values.js';
import { pb } from '../../format/index.js';
import { CLOCKS, OFFSETS } from './clocks.js';

const COLS = TABLES.opens.columns;
const col = (name: string): number => COLS.findIndex((c) => c.name === name);
const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const ALL_BYTES = Uint8Array.from({ length: 128 }, (_, i) => i);
const BIG = Buffer.alloc(700_000, 0x61); // over the writer's 1 MiB buffer once escaped or in base64

const STRINGS: Value[] = [null, undefined as never, '', 'abc', 'a,b', 'a"b', 'a\\b', '\n', '\r', 'é', '\u2028', '\x7f', '\x00\x1f', '\ud800', 5, 'x'.repeat(3000)];
const NUMBERS: Value[] = [null, 0, -0, 7, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53 + 2, 1.5, NaN, 1e21,
  12_345_678_901_234_567_890n, -5n, 0n, new pb.Record().cgroup as unknown as Value, new pb.Open().resolve as unknown as Value];
const BOOLS: Value[] = [null, true, false, 0, 1];
const BINS: (Uint8Array | null | undefined)[] = [null, undefined, new Uint8Array(), bytes(0), bytes(1, 2), bytes(1, 2, 3), bytes(0xff, 0xfe, 0xfd, 0xfc),
  ALL_BYTES, Buffer.from('hé, "x"\r\n\\'), bytes(0xc3, 0x28), bytes(0xed, 0xa0, 0x80), bytes(0xc0, 0xaf), bytes(0xf0, 0x9f, 0x98, 0x80), BIG, Buffer.from('a,'.repeat(400_000))];

/** One writer call per sample, then the bytes it handed out, beside what values.ts gives. */
function run(format: TextFormat): { got: string; want: string } {
  const out: Buffer[] = [];
  const w: LineWriter = lineWriter('opens', format, (b) => { out.push(Buffer.from(b)); });
  const value = format === 'csv' ? csvValue : jsonValue;
  const label = (j: number): string => (format === 'csv' ? (j ? ',' : '') : `${j ? ',' : '{'}"${COLS[j]!.name}":`);
  let want = '';
  const expect1 = (j: number, v: Value): void => { want += label(j) + value(v, COLS[j]!.type); };
  for (const v of STRINGS) { w.str(col('process'), v); expect1(col('process'), v); }
  for (const v of NUMBERS) { w.num(col('cgroup'), v); expect1(col('cgroup'), v); w.num(col('pid'), v); expect1(col('pid'), v); }
  for (const v of BOOLS) { w.bool(col('path_truncated'), v); expect1(col('path_truncated'), v); }
  for (const v of BINS) {
    w.bin(col('path'), v); expect1(col('path'), HELPERS.raw(v));
    w.binText(col('path_text'), v); expect1(col('path_text'), HELPERS.textOf(v));
    w.binText(col('path_text'), v); expect1(col('path_text'), HELPERS.textOf(v)); // the same value again (remembered as valid)
  }
  for (const clock of CLOCKS) {
    for (const ts of OFFSETS) {
      let ns: bigint | null = null;
      try { ns = clock.epochNs(ts); } catch { /* not an integer: both throw */ }
      if (ns === null) { expect(() => w.epochNs(col('ts_ns'), clock, ts)).toThrow(); continue; }
      w.epochNs(col('ts_ns'), clock, ts); expect1(col('ts_ns'), ns);
      w.time(col('time'), clock, ts); expect1(col('time'), clock.text(ns));
    }
  }
  w.row(Object.fromEntries(COLS.map((c) => [c.name, c.type === 'str' ? 'x,"y"' : c.type === 'bin' ? bytes(1) : c.type === 'bool' ? true : 3])));
  want += COLS.map((c, j) => label(j) + value(c.type === 'str' ? 'x,"y"' : c.type === 'bin' ? bytes(1) : c.type === 'bool' ? true : 3, c.type)).join('');
  w.end();
  want += format === 'csv' ? '\n\n' : '}\n}\n';
  w.drain();
  return { got: Buffer.concat(out).toString('latin1'), want: Buffer.from(want, 'utf8').toString('latin1') };
}

describe('line writers', () => {
  for (const format of ['csv', 'json'] as const) {
    it(`write, value by value, the bytes values.ts gives (${format})`, () => {
      const { got, want } = run(format);
      expect(got.length).toBe(want.length);
      // first difference, with context, rather than two megabytes side by side
      let i = 0;
      while (i < got.length && got[i] === want[i]) i++;
      expect(JSON.stringify(got.slice(Math.max(0, i - 40), i + 40))).toBe(JSON.stringify(want.slice(Math.max(0, i - 40), i + 40)));
    });
  }
});

describe('integer digits', () => {
  it('every safe integer as String() writes it: each digit count, both signs, the 2^31 edge', () => {
    const vals: number[] = [0, -0, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 53 - 1, -(2 ** 53 - 1)];
    for (let d = 0; d <= 16; d++) vals.push(10 ** d - 1, 10 ** d, 10 ** d + 1, -(10 ** d));
    let x = 12345;
    for (let i = 0; i < 20_000; i++) { x = (x * 1103515245 + 12345) % 2 ** 31; vals.push(Math.floor((x / 2 ** 31) * 2 ** ((i % 53) + 1)) * (i % 3 ? 1 : -1)); }
    const out: Buffer[] = [];
    const w = lineWriter('opens', 'csv', (b) => { out.push(Buffer.from(b)); });
    for (const v of vals) { w.num(col('pid'), v); w.end(); }
    w.drain();
    expect(Buffer.concat(out).toString('latin1').split('\n').slice(0, -1)).toEqual(vals.map((v) => `,${String(v)}`)); // after the column's comma
  });
});
