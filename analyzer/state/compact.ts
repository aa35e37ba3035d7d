// Storage for the process table, sized for millions of processes: columns are typed arrays indexed
// by slot (no object per process), names are interned, command lines sit in one byte arena.
// Captured bytes come back as latin1 strings (one char per byte), the form the views build text from.

type Column = Int32Array | Uint32Array | Float64Array | Uint8Array;

/** Grows by half, not double: the spare capacity of millions of slots is the table's largest waste. */
export function nextCapacity(need: number, cap: number): number {
  let n = Math.max(cap, 1024);
  while (n < need) n = Math.ceil(n * 1.5);
  return n;
}

/** A copy of `a` with room for `cap` entries (the rest zero). */
export function grown<T extends Column>(a: T, cap: number): T {
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a as never);
  return b;
}

const SHARED_MAX = 100_000;

/** Byte strings by id (0: empty). A host has few distinct comms and exes: each is stored once; past
 * SHARED_MAX distinct ones (a forged capture), new ones get an id each, unshared. */
export class StringTable {
  private readonly strings: string[] = [''];
  private readonly ids = new Map<string, number>();

  intern(b: Uint8Array | null | undefined): number {
    if (!b || !b.length) return 0;
    const s = (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length)).toString('latin1');
    const known = this.ids.get(s);
    if (known !== undefined) return known;
    const id = this.strings.length;
    this.strings.push(s);
    if (this.ids.size < SHARED_MAX) this.ids.set(s, id);
    return id;
  }

  get(id: number): string { return this.strings[id]!; }
}

/** Command lines: argv joined by NUL in one growing byte array, entry k at [end[k-1], end[k]).
 * An argv with a NUL inside an argument (only a forged capture has one) is kept as a list. */
export class ArgArena {
  private bytes = Buffer.alloc(1 << 16);
  private used = 0;
  private ends = new Float64Array(1024);
  private entries = 0;
  private readonly lists: string[][] = [];

  /** An id: NONE for no argv, >= 0 for an arena entry, below NONE for a kept list. */
  static readonly NONE = -1;

  add(argv: Uint8Array[] | null | undefined): number {
    if (!argv || !argv.length) return ArgArena.NONE;
    let n = argv.length - 1;
    for (const a of argv) {
      if (!a) continue;
      n += a.length;
      if (a.includes(0)) return ArgArena.NONE - 1 - (this.lists.push(argv.map((x) => (x ? Buffer.from(x.buffer, x.byteOffset, x.length).toString('latin1') : ''))) - 1);
    }
    if (this.used + n > this.bytes.length) {
      const b = Buffer.alloc(nextCapacity(this.used + n, this.bytes.length));
      this.bytes.copy(b, 0, 0, this.used);
      this.bytes = b;
    }
    if (this.entries === this.ends.length) this.ends = grown(this.ends, nextCapacity(this.entries + 1, this.ends.length));
    let o = this.used;
    for (let i = 0; i < argv.length; i++) {
      if (i) this.bytes[o++] = 0;
      const a = argv[i];
      if (a) { this.bytes.set(a, o); o += a.length; }
    }
    this.used = o;
    this.ends[this.entries] = o;
    return this.entries++;
  }

  /** The argv joined by NUL ('' for none), or null for a kept list (use list()). */
  joined(id: number): string | null {
    if (id === ArgArena.NONE) return '';
    if (id < ArgArena.NONE) return null;
    return this.bytes.toString('latin1', id === 0 ? 0 : this.ends[id - 1]!, this.ends[id]!);
  }

  /** Each argument (latin1). */
  list(id: number): readonly string[] {
    if (id === ArgArena.NONE) return [];
    if (id < ArgArena.NONE) return this.lists[ArgArena.NONE - 1 - id]!;
    return this.joined(id)!.split('\0');
  }

  /** How many arguments. */
  argc(id: number): number {
    if (id === ArgArena.NONE) return 0;
    if (id < ArgArena.NONE) return this.lists[ArgArena.NONE - 1 - id]!.length;
    let n = 1;
    const b = this.bytes;
    for (let i = id === 0 ? 0 : this.ends[id - 1]!, end = this.ends[id]!; i < end; i++) if (b[i] === 0) n++;
    return n;
  }
}

/** uint32 → slot (>= 0), open addressing over typed arrays: a Map of millions of numbers costs
 * ~30 bytes an entry on the heap and rehashes there. The hash is seeded per table, so a capture
 * cannot choose pids that all collide. Deletion shifts the run back (no tombstones). */
export class SlotMap {
  private keys = new Uint32Array(1024);
  private vals = new Int32Array(1024).fill(-1);
  private mask = 1023;
  private readonly seed = (Math.random() * 2 ** 32) >>> 0;
  size = 0;

  private home(k: number): number {
    let h = (k ^ this.seed) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) & this.mask;
  }

  /** Where k is, or the empty place where it would go. */
  private find(k: number): number {
    const { keys, vals, mask } = this;
    let i = this.home(k);
    while (vals[i] !== -1 && keys[i] !== k) i = (i + 1) & mask;
    return i;
  }

  get(k: number): number | undefined {
    const i = this.find(k);
    return this.vals[i] === -1 ? undefined : this.vals[i];
  }

  set(k: number, v: number): void {
    const i = this.find(k);
    if (this.vals[i] === -1) {
      this.keys[i] = k;
      if (++this.size * 2 > this.vals.length) { this.vals[i] = v; this.rehash(); return; }
    }
    this.vals[i] = v;
  }

  delete(k: number): void {
    let i = this.find(k);
    const { keys, vals, mask } = this;
    if (vals[i] === -1) return;
    this.size--;
    // move back each later entry of the run whose home is not between the hole and it
    for (let j = (i + 1) & mask; vals[j] !== -1; j = (j + 1) & mask) {
      const h = this.home(keys[j]!);
      if (i <= j ? h > i && h <= j : h > i || h <= j) continue;
      keys[i] = keys[j]!; vals[i] = vals[j]!; i = j;
    }
    vals[i] = -1;
  }

  private rehash(): void {
    const { keys, vals } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.vals = new Int32Array(keys.length * 2).fill(-1);
    this.mask = this.keys.length - 1;
    for (let i = 0; i < keys.length; i++) if (vals[i] !== -1) { const j = this.find(keys[i]!); this.keys[j] = keys[i]!; this.vals[j] = vals[i]!; }
  }
}
