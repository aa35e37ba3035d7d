// export of many captures at once (analyzer/export.ts exportCaptures: one capture per worker
// thread): the same files, byte for byte, as one after another in this thread; results in file
// order; a file that is not a capture fails the export with its name, after the ones before it.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportCaptures, type ExportResult } from '../../analyzer/export.js';
import { mixed } from '../../bench/synth.js';
import { HEADER, tmp, writeCapture } from '../helpers.js';

function tree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => { for (const n of readdirSync(d)) { const p = join(d, n); if (statSync(p).isDirectory()) walk(p); else out.set(p.slice(dir.length), readFileSync(p)); } };
  walk(dir);
  return out;
}

const caps = Array.from({ length: 3 }, (_, i) => writeCapture([...mixed(4000 + i * 1000)].map(([r]) => r),
  { header: { ...HEADER, hostname: `h${i}`, bootId: `b${i}`, startWallSec: 1_700_000_000 + i } }).path);

describe('export of many captures', () => {
  for (const format of ['csv', 'parquet'] as const) {
    it(`${format}: two workers write what one thread writes, and report in file order`, async () => {
      const one = tmp();
      const two = tmp();
      const seen: [string, number][] = [];
      await exportCaptures(caps, { format, outDir: one }, 1, () => {});
      await exportCaptures(caps, { format, outDir: two }, 2, (f, r: ExportResult) => seen.push([f, r.records]));
      expect(seen.map(([f]) => f)).toEqual(caps);
      expect(seen.map(([, n]) => n)).toEqual([4002, 5002, 6002]);
      const a = tree(one);
      const b = tree(two);
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      for (const [k, v] of a) if (format === 'csv') expect(b.get(k)!.equals(v), k).toBe(true); else expect(b.get(k)!.length).toBeGreaterThan(0);
    }, 60_000);
  }

  it('a file that is not a capture: its error, after the captures before it', async () => {
    const bad = join(tmp(), 'notes.txt');
    writeFileSync(bad, 'not a capture at all');
    const done: string[] = [];
    await expect(exportCaptures([caps[0]!, bad, caps[1]!], { format: 'csv', outDir: tmp() }, 2, (f) => done.push(f))).rejects.toThrow(/notes\.txt: byte 0: not a secrec capture/);
    expect(done).toEqual([caps[0]]);
  }, 60_000);
});
