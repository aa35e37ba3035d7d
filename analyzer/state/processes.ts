// ProcessTree: processes rebuilt from the start snapshot plus fork/exec/exit records.
// A process is identified by pid + start time, so a reused pid is a new process; threads are
// folded into their process; parents are never re-pointed (orphans stay under the parent that
// forked them); a process seen only through its events gets an inferred parent link.
// Invariant: parent links form a forest. A capture is hostile, so a link that would close a cycle
// (two snapshot records naming each other, a self-parented record written twice) is refused and
// kept as data in `cycles`; every walk over `parent` therefore ends, with no visited set needed.
// Compact: a capture may hold millions of processes, so the table is columns of typed arrays by
// slot (state/compact.ts), children are first-child/next-sibling links, and a Proc is a handle made
// when a view asks for one (one per slot, so views may compare and key by it).
import type { CaptureRecord } from '../../format/index.js';
import { ancestry } from './ancestry.js';
import { ArgArena, SlotMap, StringTable, grown, nextCapacity } from './compact.js';

const NO_BYTES = new Uint8Array(0);
const NONE = -1;
const unpack = (s: string): Uint8Array => (s ? Buffer.from(s, 'latin1') : NO_BYTES);

// flag bits of a process
const ORIGIN = 3;
const ORIGINS = ['snapshot', 'fork', 'inferred'] as const;
type Origin = typeof ORIGINS[number];
const ACTIVE = 4;
const CYCLE = 8;
const CORE = 16;
const EXITED = 32;
// flag bits of an exec
const SNAPSHOT = 1;
const ARGS_TRUNCATED = 2;

/** One exec of a process (or its command line in the start snapshot): a view of the exec columns. */
export class ExecInfo {
  constructor(private readonly t: ProcessTree, private readonly i: number) {}
  get ts(): number { return this.t.execTs[this.i]!; }
  get ret(): number { return this.t.execRet[this.i]!; }
  /** The command line from the start snapshot (not an exec seen during the capture). */
  get snapshot(): boolean { return (this.t.execBits[this.i]! & SNAPSHOT) !== 0; }
  get argsTruncated(): boolean { return (this.t.execBits[this.i]! & ARGS_TRUNCATED) !== 0; }
  get filename(): Uint8Array { return unpack(this.filePacked); }
  get interp(): Uint8Array { return unpack(this.interpPacked); }
  get argv(): Uint8Array[] { return this.t.args.list(this.t.execArgs[this.i]!).map(unpack); }
  /** The stored forms (latin1: one char per byte), for views that build text without copying back to bytes. */
  get filePacked(): string { return this.t.strings.get(this.t.execFile[this.i]!); }
  get interpPacked(): string { return this.t.strings.get(this.t.execInterp[this.i]!); }
  /** argv joined by NUL, or null when an entry holds a NUL itself (a forged capture): use argv then. */
  get argsJoined(): string | null { return this.t.args.joined(this.t.execArgs[this.i]!); }
  get argc(): number { return this.t.args.argc(this.t.execArgs[this.i]!); }
}

/** A process: a view of its slot in the tree's columns. Get it from the tree (tree.proc(slot)). */
export class Proc {
  constructor(private readonly t: ProcessTree, readonly index: number) {}
  get pid(): number { return this.t.pids[this.index]!; }
  get ppid(): number { return this.t.ppids[this.index]!; }
  get parent(): Proc | null { const q = this.t.parents[this.index]!; return q === NONE ? null : this.t.proc(q); }
  get start(): number | null { const s = this.t.starts[this.index]!; return Number.isNaN(s) ? null : s; }
  get uid(): number { return this.t.uids[this.index]!; }
  get origin(): Origin { return this.t.origin(this.index); }
  get active(): boolean { return this.t.isActive(this.index); }
  get events(): number { return this.t.events[this.index]!; }
  get tty(): number { return this.t.ttys[this.index]!; }
  /** The recorded parent pid, when linking to it was refused because it would close a cycle. */
  get cycleWith(): number | null { return this.t.flags[this.index]! & CYCLE ? this.ppid : null; }
  get key(): string { return `${this.pid}@${this.start ?? '?'}`; }
  get inferredParent(): boolean { return this.origin === 'inferred'; }
  get comm(): Uint8Array { return unpack(this.commPacked); }
  /** The comm as stored (latin1). */
  get commPacked(): string { return this.t.strings.get(this.t.comms[this.index]!); }
  get exit(): { ts: number; code: number; signal: number; core: boolean } | null {
    const t = this.t; const i = this.index;
    return t.flags[i]! & EXITED ? { ts: t.exitTs[i]!, code: t.exitCodes[i]!, signal: t.exitSignals[i]!, core: (t.flags[i]! & CORE) !== 0 } : null;
  }
  get children(): Proc[] {
    const out: Proc[] = [];
    for (let c = this.t.firstChild[this.index]!; c !== NONE; c = this.t.nextSibling[c]!) out.push(this.t.proc(c));
    return out;
  }
  get execs(): ExecInfo[] {
    const out: ExecInfo[] = [];
    for (let e = this.t.firstExec[this.index]!; e !== NONE; e = this.t.execNext[e]!) out.push(new ExecInfo(this.t, e));
    return out;
  }
  /** The command line of the last successful exec (or the snapshot). */
  get argv(): Uint8Array[] {
    const execs = this.execs;
    for (let i = execs.length - 1; i >= 0; i--) if (execs[i]!.ret === 0) return execs[i]!.argv;
    return [];
  }
}

/** A parent link the capture claims but the tree refused: it would have closed a cycle. */
export interface Cycle { proc: Proc; parent: Proc }

export class ProcessTree {
  /** Refused parent links, in the order met. */
  readonly cycles: Cycle[] = [];
  /** Processes so far: slots are 0 … size-1, in the order the processes were met. */
  size = 0;
  private cap = 0;
  // Per process, by slot. Columns are read by Proc and by views that walk slots (views/tree.ts).
  pids = new Uint32Array(0);
  ppids = new Uint32Array(0);
  /** The parent's slot, or -1. */
  parents = new Int32Array(0);
  /** NaN: unknown. */
  starts = new Float64Array(0);
  uids = new Uint32Array(0);
  flags = new Uint8Array(0);
  events = new Uint32Array(0);
  ttys = new Uint32Array(0);
  comms = new Int32Array(0);
  exitTs = new Float64Array(0);
  exitCodes = new Int32Array(0);
  exitSignals = new Uint32Array(0);
  /** Children in order met: first and last child, next sibling (-1: none). */
  firstChild = new Int32Array(0);
  private lastChild = new Int32Array(0);
  nextSibling = new Int32Array(0);
  /** Union-find link: a slot of the same tree (its root, once compressed). */
  private sets = new Int32Array(0);
  firstExec = new Int32Array(0);
  private lastExec = new Int32Array(0);
  // Per exec.
  private execCount = 0;
  private execCap = 0;
  execTs = new Float64Array(0);
  execRet = new Int32Array(0);
  execBits = new Uint8Array(0);
  execFile = new Int32Array(0);
  execInterp = new Int32Array(0);
  execArgs = new Int32Array(0);
  execNext = new Int32Array(0);
  readonly strings = new StringTable();
  readonly args = new ArgArena();

  /** Slot of the live process by pid. */
  private readonly live = new SlotMap();
  /** Snapshot processes whose parent was not seen yet, by the parent pid they name: the last one
   * of a ring linked through nextSibling (unused until a process has a parent). */
  private readonly waiting = new SlotMap();
  /** Handles made so far, by slot. */
  private readonly handles: (Proc | undefined)[] = [];

  /** The handle of a slot (the same object each time). */
  proc(slot: number): Proc {
    const h = this.handles;
    while (h.length <= slot) h.push(undefined);
    return h[slot] ?? (h[slot] = new Proc(this, slot));
  }

  origin(slot: number): Origin { return ORIGINS[this.flags[slot]! & ORIGIN]!; }
  /** Seen doing something during the capture (not only alive in the start snapshot). */
  isActive(slot: number): boolean { return (this.flags[slot]! & ACTIVE) !== 0; }

  /** Every process, in the order met. Makes a handle per process: walk slots where that counts. */
  get all(): Proc[] {
    const out: Proc[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.proc(i));
    return out;
  }

  /** The process a record belongs to (created, inferred, if unknown). */
  procOf(r: CaptureRecord): Proc { return this.proc(this.slotOf(r.pid, r.ppid, r.uid, r.comm)); }

  /** A record of some other kind, by its common fields alone (what observe() does with it). */
  touch(pid: number, ppid: number, uid: number, comm: Uint8Array | undefined): void {
    const p = this.slotOf(pid, ppid, uid, comm);
    this.flags[p]! |= ACTIVE;
    this.events[p]!++;
  }

  /** get(pid)?.start ?? null, with no handle made. */
  startOf(pid: number): number | null {
    const p = this.live.get(pid);
    if (p === undefined) return null;
    const s = this.starts[p]!;
    return Number.isNaN(s) ? null : s;
  }

  get(pid: number): Proc | undefined { const p = this.live.get(pid); return p === undefined ? undefined : this.proc(p); }
  /** Every process that had this pid, oldest first. */
  byPid(pid: number): Proc[] {
    const out: Proc[] = [];
    for (let i = 0; i < this.size; i++) if (this.pids[i] === pid) out.push(this.proc(i));
    return out;
  }

  observe(r: CaptureRecord): void {
    switch (r.body) {
      case 'process': {
        const s = r.process!;
        const start = Number(s.start ?? 0);
        const p = this.add(r.pid, r.ppid, this.live.get(r.ppid) ?? NONE, start, r.uid, this.strings.intern(r.comm), 0);
        this.ttys[p] = s.ttyRdev ?? 0;
        this.addExec(p, start, this.strings.intern(s.exe), this.args.add(s.argv), 0, 0, SNAPSHOT);
        if (this.parents[p] === NONE) this.wait(p);
        this.adopt(p);
        return;
      }
      case 'fork': {
        const f = r.fork!;
        if (f.thread) return; // a new thread is not a new process
        const parent = this.slotOf(r.pid, r.ppid, r.uid, r.comm);
        this.flags[parent]! |= ACTIVE;
        // a reused pid without a recorded exit (lost events) is replaced in `live` by add()
        const c = this.add(f.childPid ?? 0, r.pid, parent, r.ts, r.uid, this.comms[parent]!, 1);
        this.flags[c]! |= ACTIVE;
        return;
      }
      case 'exec': {
        const e = r.exec!;
        const p = this.slotOf(r.pid, r.ppid, r.uid, r.comm);
        this.flags[p]! |= ACTIVE;
        this.events[p]!++;
        this.addExec(p, r.ts, this.strings.intern(e.filename), this.args.add(e.argv), this.strings.intern(e.interp), e.ret ?? 0, e.argsTruncated ? ARGS_TRUNCATED : 0);
        if (!e.ret) { this.comms[p] = this.strings.intern(r.comm); this.uids[p] = r.uid; }
        return;
      }
      case 'exit': {
        const x = r.exit!;
        const p = this.slotOf(r.pid, r.ppid, r.uid, r.comm);
        const fl = this.flags[p]!;
        // the exit record carries task->start_time, exact where the /proc snapshot is in clock ticks
        if (Number.isNaN(this.starts[p]!) || ((fl & ORIGIN) === 0 && x.start != null && Number(x.start) !== 0)) this.starts[p] = Number(x.start ?? 0);
        this.exitTs[p] = Math.max(0, r.ts);
        this.exitCodes[p] = x.code ?? 0;
        this.exitSignals[p] = x.signal ?? 0;
        this.flags[p] = (fl & ~CORE) | ACTIVE | EXITED | (x.coreDumped ? CORE : 0);
        this.live.delete(r.pid);
        return;
      }
      case 'header': case 'trailer': case 'lost': case 'malformed': case undefined:
        return;
      default: {
        const p = this.slotOf(r.pid, r.ppid, r.uid, r.comm);
        this.flags[p]! |= ACTIVE;
        this.events[p]!++;
      }
    }
  }

  roots(): Proc[] {
    const out: Proc[] = [];
    for (let i = 0; i < this.size; i++) if (this.parents[i] === NONE) out.push(this.proc(i));
    return out;
  }

  /** Ancestors from the root down to p (state/ancestry.ts: bounded, cycle-safe). */
  ancestry(p: Proc): Proc[] { return ancestry(p); }

  /** p and every process below it, parents before children (iterative: chains can be deep). */
  descendants(p: Proc): Proc[] { return this.descendantSlots(p.index).map((i) => this.proc(i)); }

  /** The slots of descendants(). */
  descendantSlots(slot: number): number[] {
    const out: number[] = [];
    const stack = [slot];
    const kids: number[] = [];
    while (stack.length) {
      const q = stack.pop()!;
      out.push(q);
      for (let c = this.firstChild[q]!; c !== NONE; c = this.nextSibling[c]!) kids.push(c);
      while (kids.length) stack.push(kids.pop()!);
    }
    return out;
  }

  /** The live process's slot by pid, created (parent inferred) if unknown. */
  private slotOf(pid: number, ppid: number, uid: number, comm: Uint8Array | null | undefined): number {
    const p = this.live.get(pid);
    return p !== undefined ? p : this.add(pid, ppid, this.live.get(ppid) ?? NONE, NaN, uid, this.strings.intern(comm), 2);
  }

  /** Links the snapshot's children seen before p, their parent; each is a root, so it closes a
   * cycle exactly when it is the root of p's own tree. */
  private adopt(p: Proc['index']): void {
    const pid = this.pids[p]!;
    const last = this.waiting.get(pid);
    if (last === undefined) return;
    this.waiting.delete(pid);
    const ring: number[] = [];
    let q = last;
    do { q = this.nextSibling[q]!; ring.push(q); } while (q !== last);
    for (const q of ring) {
      this.nextSibling[q] = NONE;
      if (this.parents[q] !== NONE) continue;
      if (q === p || this.find(q) === this.find(p)) {
        this.flags[q]! |= CYCLE;
        this.cycles.push({ proc: this.proc(q), parent: this.proc(p) });
        continue;
      }
      this.link(q, p);
      this.sets[this.find(q)] = this.find(p);
    }
  }

  private wait(p: number): void {
    const ppid = this.ppids[p]!;
    const last = this.waiting.get(ppid);
    if (last === undefined) this.nextSibling[p] = p;
    else { this.nextSibling[p] = this.nextSibling[last]!; this.nextSibling[last] = p; }
    this.waiting.set(ppid, p);
  }

  /** The representative of p's tree (union-find with path halving: near-constant time). */
  private find(p: number): number {
    const s = this.sets;
    while (s[p] !== p) { s[p] = s[s[p]!]!; p = s[p]!; }
    return p;
  }

  private link(child: number, parent: number): void {
    this.parents[child] = parent;
    const last = this.lastChild[parent]!;
    if (last === NONE) this.firstChild[parent] = child; else this.nextSibling[last] = child;
    this.lastChild[parent] = child;
  }

  /** A new process; it has no children yet, so linking it under an existing parent cannot close a cycle. */
  private add(pid: number, ppid: number, parent: number, start: number, uid: number, comm: number, origin: number): number {
    const p = this.size;
    if (p === this.cap) this.grow();
    this.size++;
    this.pids[p] = pid; this.ppids[p] = ppid; this.parents[p] = NONE; this.starts[p] = start; this.uids[p] = uid;
    this.flags[p] = origin; this.comms[p] = comm;
    this.firstChild[p] = NONE; this.lastChild[p] = NONE; this.nextSibling[p] = NONE;
    this.firstExec[p] = NONE; this.lastExec[p] = NONE;
    this.sets[p] = p;
    this.live.set(pid, p);
    if (parent !== NONE) { this.link(p, parent); this.sets[p] = this.find(parent); }
    return p;
  }

  private addExec(p: number, ts: number, file: number, args: number, interp: number, ret: number, bits: number): void {
    const e = this.execCount;
    if (e === this.execCap) {
      const cap = this.execCap = nextCapacity(e + 1, this.execCap);
      this.execTs = grown(this.execTs, cap); this.execRet = grown(this.execRet, cap); this.execBits = grown(this.execBits, cap);
      this.execFile = grown(this.execFile, cap); this.execInterp = grown(this.execInterp, cap);
      this.execArgs = grown(this.execArgs, cap); this.execNext = grown(this.execNext, cap);
    }
    this.execCount++;
    this.execTs[e] = ts; this.execRet[e] = ret; this.execBits[e] = bits;
    this.execFile[e] = file; this.execInterp[e] = interp; this.execArgs[e] = args; this.execNext[e] = NONE;
    const last = this.lastExec[p]!;
    if (last === NONE) this.firstExec[p] = e; else this.execNext[last] = e;
    this.lastExec[p] = e;
  }

  private grow(): void {
    const cap = this.cap = nextCapacity(this.size + 1, this.cap);
    this.pids = grown(this.pids, cap); this.ppids = grown(this.ppids, cap); this.parents = grown(this.parents, cap);
    this.starts = grown(this.starts, cap); this.uids = grown(this.uids, cap); this.flags = grown(this.flags, cap);
    this.events = grown(this.events, cap); this.ttys = grown(this.ttys, cap); this.comms = grown(this.comms, cap);
    this.exitTs = grown(this.exitTs, cap); this.exitCodes = grown(this.exitCodes, cap); this.exitSignals = grown(this.exitSignals, cap);
    this.firstChild = grown(this.firstChild, cap); this.lastChild = grown(this.lastChild, cap); this.nextSibling = grown(this.nextSibling, cap);
    this.sets = grown(this.sets, cap); this.firstExec = grown(this.firstExec, cap); this.lastExec = grown(this.lastExec, cap);
  }
}
