// The one walk up a process's parents, for every view that asks "which ancestor…". ProcessTree
// keeps parent links a forest, but a walk must not rely on that alone (a capture is hostile, and a
// bug elsewhere must not hang a view): it is bounded, and it stops on a cycle (Floyd's tortoise,
// no visited set).
import type { Proc } from './processes.js';

/** Longest walk: deeper chains are cut here (a 3,000-deep fork chain is the deepest tested). */
export const MAX_ANCESTRY = 1 << 16;

/** Calls visit(q, depth) for p, its parent, its parent's parent, … up to a root, until visit
 * returns true (that process is returned), a cycle closes or `limit` processes were visited (null). */
export function walkUp(p: Proc | null, visit: (q: Proc, depth: number) => boolean | void, limit = MAX_ANCESTRY): Proc | null {
  let slow = p;
  for (let q = p, n = 0; q !== null && n < limit; n++) {
    if (visit(q, n) === true) return q;
    q = q.parent;
    if (n & 1) slow = slow!.parent;
    if (q !== null && q === slow) return null; // a cycle, all of it visited
  }
  return null;
}

/** The chain from the root down to p (bounded: the top of a chain deeper than limit is cut). */
export function ancestry(p: Proc, limit = MAX_ANCESTRY): Proc[] {
  const chain: Proc[] = [];
  walkUp(p, (q) => { chain.push(q); }, limit);
  return chain.reverse();
}

/** The nearest of a process and its ancestors that `is` accepts, memoized for every process on
 * each walked path, so walks are amortized linear. Call reset() when what `is` accepts changes. */
export class NearestAncestor {
  private readonly memo = new Map<Proc, Proc | null>();
  constructor(private readonly is: (p: Proc) => boolean, private readonly limit = MAX_ANCESTRY) {}

  of(p: Proc): Proc | null {
    const known = this.memo.get(p);
    if (known !== undefined) return known;
    const path: Proc[] = [];
    let found: Proc | null = null;
    walkUp(p, (q) => {
      if (this.is(q)) { found = q; return true; }
      const m = this.memo.get(q);
      if (m !== undefined) { found = m; return true; }
      path.push(q);
      return false;
    }, this.limit);
    for (const q of path) this.memo.set(q, found);
    return found;
  }

  reset(): void { this.memo.clear(); }
}
