// The one walk up a process's parents, for every view that asks "which ancestor…". ProcessTree
// keeps parent links a forest, but a walk must not rely on that alone (a capture is hostile, and a
// bug elsewhere must not hang a view): it is bounded, and it stops on a cycle (Floyd's tortoise,
// no visited set).

/** Anything with a parent link: a Proc, or a test's plain object. */
interface Linked<T> { readonly parent: T | null }

/** Longest walk: deeper chains are cut here (a 3,000-deep fork chain is the deepest tested). */
export const MAX_ANCESTRY = 1 << 16;

/** Calls visit(q, depth) for p, its parent, its parent's parent, … up to a root, until visit
 * returns true (that process is returned), a cycle closes or `limit` processes were visited (null). */
export function walkUp<T extends Linked<T>>(p: T | null, visit: (q: T, depth: number) => boolean | void, limit = MAX_ANCESTRY): T | null {
  return walkUpBy<T | null>(p, null, (q) => q!.parent, visit as (q: T | null, depth: number) => boolean | void, limit);
}

/** walkUp over any kind of link (views/tree.ts walks slots of the tree's columns): `none` ends it. */
export function walkUpBy<T>(p: T, none: T, up: (q: T) => T, visit: (q: T, depth: number) => boolean | void, limit = MAX_ANCESTRY): T {
  let slow = p;
  for (let q = p, n = 0; q !== none && n < limit; n++) {
    if (visit(q, n) === true) return q;
    q = up(q);
    if (n & 1) slow = up(slow);
    if (q !== none && q === slow) return none; // a cycle, all of it visited
  }
  return none;
}

/** The chain from the root down to p (bounded: the top of a chain deeper than limit is cut). */
export function ancestry<T extends Linked<T>>(p: T, limit = MAX_ANCESTRY): T[] {
  const chain: T[] = [];
  walkUp(p, (q) => { chain.push(q); }, limit);
  return chain.reverse();
}

/** The nearest of a process and its ancestors that `is` accepts, memoized for every process on
 * each walked path, so walks are amortized linear. Call reset() when what `is` accepts changes. */
export class NearestAncestor<T extends Linked<T>> {
  private readonly memo = new Map<T, T | null>();
  constructor(private readonly is: (p: T) => boolean, private readonly limit = MAX_ANCESTRY) {}

  of(p: T): T | null {
    const known = this.memo.get(p);
    if (known !== undefined) return known;
    const path: T[] = [];
    let found: T | null = null;
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
