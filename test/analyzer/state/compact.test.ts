// The process table's storage (analyzer/state/compact.ts) against plain JS structures: the pid
// table under random inserts and deletes (runs that wrap, colliding homes), and command lines in
// the arena, with the forms a forged capture can take (no argv, one empty argument, a NUL inside).
import { describe, it, expect } from 'vitest';
import { ArgArena, SlotMap, StringTable } from '../../../analyzer/state/compact.js';

let seed = 11;
const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed >>> 8) % n; };

describe('process table storage', () => {
  it('SlotMap answers as a Map through inserts, updates and deletes, across rehashes', () => {
    for (const keys of [64, 5_000, 2 ** 32 - 1]) { // few keys: long runs and many deletes inside them
      const m = new SlotMap();
      const ref = new Map<number, number>();
      let wrong = 0;
      for (let i = 0; i < 60_000; i++) {
        const k = keys === 2 ** 32 - 1 ? (rand(2 ** 24) * 256 + rand(256)) >>> 0 : rand(keys);
        if (rand(3) === 0) { m.delete(k); ref.delete(k); } else { const v = rand(1 << 30); m.set(k, v); ref.set(k, v); }
        if (i % 997 === 0) for (const [rk, rv] of ref) if (m.get(rk) !== rv) wrong++;
        if (m.get(k) !== ref.get(k) || m.size !== ref.size) wrong++;
      }
      for (let k = 0; k < Math.min(keys, 10_000); k++) if (m.get(k) !== ref.get(k)) wrong++;
      expect(wrong).toBe(0);
    }
  });

  it('ArgArena gives back each argv: joined, listed and counted', () => {
    const a = new ArgArena();
    const cases: Buffer[][] = [[], [Buffer.from('')], [Buffer.from('a'), Buffer.from('')], [Buffer.from('x'.repeat(70_000))], [Buffer.from('a\0b'), Buffer.from('c')], [Buffer.from([0xff, 0x5c])]];
    for (let i = 0; i < 3000; i++) cases.push(Array.from({ length: rand(4) }, () => Buffer.from(Array.from({ length: rand(9) }, () => 1 + rand(255)))));
    const ids = cases.map((argv) => a.add(argv));
    cases.forEach((argv, i) => {
      const latin1 = argv.map((x) => x.toString('latin1'));
      expect(a.list(ids[i]!)).toEqual(latin1);
      expect(a.argc(ids[i]!)).toBe(argv.length);
      expect(a.joined(ids[i]!)).toBe(argv.some((x) => x.includes(0)) ? null : latin1.join('\0'));
    });
  });

  it('StringTable shares each name and keeps every one past its sharing limit', () => {
    const t = new StringTable();
    expect(t.intern(Buffer.from(''))).toBe(0);
    expect(t.intern(undefined)).toBe(0);
    const bash = t.intern(Buffer.from('bash'));
    expect(t.intern(Buffer.from('bash'))).toBe(bash);
    const ids = Array.from({ length: 120_000 }, (_, i) => t.intern(Buffer.from(`w${i}`)));
    expect(ids.filter((id, i) => t.get(id) !== `w${i}`).length).toBe(0);
    expect(t.get(bash)).toBe('bash');
  });
});
