// The one ancestry walk: bounded and cycle-safe even on links ProcessTree would have refused.
import { describe, expect, it } from 'vitest';
import { ancestry, NearestAncestor, walkUp } from '../../../analyzer/state/ancestry.js';

/** The walks need only a parent link; a plain object lets a test forge links ProcessTree refuses. */
interface Proc { pid: number; parent: Proc | null }
const proc = (pid: number, parent: Proc | null = null): Proc => ({ pid, parent });

/** A chain root → … → leaf of n processes. */
function chain(n: number): Proc[] {
  const ps: Proc[] = [proc(1)];
  for (let i = 1; i < n; i++) ps.push(proc(i + 1, ps[i - 1]!));
  return ps;
}

describe('ancestry walk', () => {
  it('walks to the root, in order, and stops where visit says', () => {
    const ps = chain(5);
    expect(ancestry(ps[4]!).map((p) => p.pid)).toEqual([1, 2, 3, 4, 5]);
    expect(walkUp(ps[4]!, (q) => q.pid === 3)?.pid).toBe(3);
    expect(walkUp(ps[4]!, () => false)).toBeNull();
  });

  it('is bounded: a chain deeper than the limit is cut at the limit', () => {
    const ps = chain(100);
    expect(ancestry(ps[99]!, 10).length).toBe(10);
    expect(walkUp(ps[99]!, (q) => q.pid === 1, 50)).toBeNull();
  });

  for (const len of [1, 2, 3, 7, 64]) {
    it(`stops on a parent cycle of ${len} (links forged past ProcessTree)`, () => {
      const ps = chain(len);
      ps[0]!.parent = ps[len - 1]!; // close the loop
      const tail = proc(999, ps[len - 1]!);
      const seen: number[] = [];
      expect(walkUp(tail, (q) => { seen.push(q.pid); })).toBeNull();
      expect(new Set(seen).size).toBe(len + 1); // every process once at least …
      expect(seen.length).toBeLessThanOrEqual(3 * (len + 1)); // … and a few times at most
      expect(ancestry(tail).length).toBe(seen.length);
      expect(new NearestAncestor(() => false).of(tail)).toBeNull();
    });
  }

  it('NearestAncestor finds the nearest match, memoizes, and sees changes after reset()', () => {
    const ps = chain(6);
    const marked = new Set<Proc>([ps[1]!]);
    let calls = 0;
    const near = new NearestAncestor((q) => { calls++; return marked.has(q); });
    expect(near.of(ps[5]!)).toBe(ps[1]);
    const first = calls;
    expect(near.of(ps[4]!)).toBe(ps[1]); // memoized on the first walk's path
    expect(calls).toBe(first);
    marked.add(ps[3]!);
    expect(near.of(ps[5]!)).toBe(ps[1]);
    near.reset();
    expect(near.of(ps[5]!)).toBe(ps[3]);
    expect(near.of(ps[0]!)).toBeNull();
  });
});
