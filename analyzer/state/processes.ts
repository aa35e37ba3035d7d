// ProcessTree: processes rebuilt from the start snapshot plus fork/exec/exit records.
// A process is identified by pid + start time, so a reused pid is a new process; threads are
// folded into their process; parents are never re-pointed (orphans stay under the parent that
// forked them); a process seen only through its events gets an inferred parent link.
// Invariant: parent links form a forest. A capture is hostile, so a link that would close a cycle
// (two snapshot records naming each other, a self-parented record written twice) is refused and
// kept as data in `cycles`; every walk over `parent` therefore ends, with no visited set needed.
import type { Record } from '../../format/index.js';
import { ancestry } from './ancestry.js';

// Compact state: a capture may hold millions of processes. Captured bytes are kept as latin1
// strings (16 bytes + length, where a copied Uint8Array costs an ArrayBuffer of ~400), repeated
// names are shared, empty lists are one shared array, and the exit is four fields.
const NO_BYTES = new Uint8Array(0);
const NO_ARGS: readonly string[] = [];
const SHARED_MAX = 100_000;
const shared = new Map<string, string>();

/** Decoded bytes point into their frame's buffer: keep a compact copy (a latin1 string). */
function pack(b: Uint8Array | null | undefined, share: boolean): string {
  if (!b || !b.length) return '';
  const str = (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length)).toString('latin1');
  if (!share) return str;
  const known = shared.get(str);
  if (known !== undefined) return known;
  if (shared.size < SHARED_MAX) shared.set(str, str);
  return str;
}
const unpack = (s: string): Uint8Array => (s ? Buffer.from(s, 'latin1') : NO_BYTES);

/** Reused for joining argv: one string per command line, no string per argument. */
let scratch = Buffer.allocUnsafe(1 << 16);

/** argv as one string joined by NUL (an entry holding a NUL, possible only in a forged capture, keeps a list). */
function packArgs(argv: Uint8Array[] | null | undefined): string | readonly string[] {
  if (!argv || !argv.length) return NO_ARGS;
  let n = argv.length - 1;
  for (const a of argv) n += a ? a.length : 0;
  if (n > scratch.length) scratch = Buffer.allocUnsafe(Math.max(n, 2 * scratch.length));
  const out = scratch;
  let o = 0;
  for (let i = 0; i < argv.length; i++) {
    if (i) out[o++] = 0;
    const a = argv[i];
    if (!a) continue;
    for (let j = 0; j < a.length; j++) {
      const c = a[j]!;
      if (c === 0) return argv.map((x) => pack(x, false));
      out[o++] = c;
    }
  }
  return out.toString('latin1', 0, o);
}

/** One exec of a process (or its command line in the start snapshot). */
export class ExecInfo {
  private readonly file: string;
  private readonly args: string | readonly string[];
  private readonly interpreter: string;
  /** snapshot and argsTruncated as two bits: a field less per exec. */
  private readonly bits: number;
  constructor(readonly ts: number, filename: Uint8Array | null | undefined, argv: Uint8Array[] | null | undefined, readonly ret: number,
    interp: Uint8Array | null | undefined, snapshot: boolean, argsTruncated: boolean) {
    this.bits = (snapshot ? 1 : 0) | (argsTruncated ? 2 : 0);
    this.file = pack(filename, true);
    this.args = packArgs(argv);
    this.interpreter = pack(interp, true);
  }
  /** The command line from the start snapshot (not an exec seen during the capture). */
  get snapshot(): boolean { return (this.bits & 1) !== 0; }
  get argsTruncated(): boolean { return (this.bits & 2) !== 0; }
  get filename(): Uint8Array { return unpack(this.file); }
  get interp(): Uint8Array { return unpack(this.interpreter); }
  get argv(): Uint8Array[] { return typeof this.args === 'string' ? this.args.split('\0').map(unpack) : this.args.map(unpack); }
  /** The stored forms (latin1: one char per byte), for views that build text without copying back to bytes. */
  get filePacked(): string { return this.file; }
  get interpPacked(): string { return this.interpreter; }
  /** argv joined by NUL, or null when an entry holds a NUL itself (a forged capture): use argv then. */
  get argsJoined(): string | null { return typeof this.args === 'string' ? this.args : this.args.length ? null : ''; }
  get argc(): number { return typeof this.args === 'string' ? countNul(this.args) + 1 : this.args.length; }
}

function countNul(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\0'); i >= 0; i = s.indexOf('\0', i + 1)) n++;
  return n;
}

const NO_PROCS: Proc[] = [];
const NO_EXECS: ExecInfo[] = [];

export class Proc {
  /** Shared empty array until the first child (most processes have none). */
  children: Proc[] = NO_PROCS;
  execs: ExecInfo[] = NO_EXECS;
  active = false;
  events = 0;
  tty = 0;
  /** Union-find link: some process of the same tree (its root, once compressed). */
  set: Proc = this;
  /** Position in ProcessTree.all: views keep per-process flags in a typed array by it. */
  index = -1;
  /** The recorded parent pid, when linking to it was refused because it would close a cycle. */
  cycleWith: number | null = null;
  private exitTs = -1;
  private exitCode = 0;
  /** signal * 2 + core dumped: a field less per process. */
  private exitSignalCore = 0;
  private name: string;
  constructor(
    readonly pid: number,
    public ppid: number,
    public parent: Proc | null,
    public start: number | null,
    public uid: number,
    comm: Uint8Array | string,
    readonly origin: 'snapshot' | 'fork' | 'inferred',
  ) { this.name = typeof comm === 'string' ? comm : pack(comm, true); }
  get key(): string { return `${this.pid}@${this.start ?? '?'}`; }
  get inferredParent(): boolean { return this.origin === 'inferred'; }
  get comm(): Uint8Array { return unpack(this.name); }
  /** The comm as stored (latin1), for sharing with a forked child without a copy. */
  get commPacked(): string { return this.name; }
  get exit(): { ts: number; code: number; signal: number; core: boolean } | null {
    return this.exitTs < 0 ? null : { ts: this.exitTs, code: this.exitCode, signal: Math.floor(this.exitSignalCore / 2), core: this.exitSignalCore % 2 === 1 };
  }
  /** The command line of the last successful exec (or the snapshot). */
  get argv(): Uint8Array[] {
    for (let i = this.execs.length - 1; i >= 0; i--) if (this.execs[i]!.ret === 0) return this.execs[i]!.argv;
    return [];
  }
  /** Mutations, for ProcessTree only. */
  setComm(comm: Uint8Array | null | undefined): void { this.name = pack(comm, true); }
  setExit(ts: number, code: number, signal: number, core: boolean): void { this.exitTs = Math.max(0, ts); this.exitCode = code; this.exitSignalCore = signal * 2 + (core ? 1 : 0); }
  // a literal [x] has capacity 1; push onto [] would reserve 17 slots
  addExec(e: ExecInfo): void { if (this.execs === NO_EXECS) this.execs = [e]; else this.execs.push(e); }
  addChild(c: Proc): void { if (this.children === NO_PROCS) this.children = [c]; else this.children.push(c); }
}

/** A parent link the capture claims but the tree refused: it would have closed a cycle. */
export interface Cycle { proc: Proc; parent: Proc }

export class ProcessTree {
  readonly all: Proc[] = [];
  /** Refused parent links, in the order met. */
  readonly cycles: Cycle[] = [];
  private readonly live = new Map<number, Proc>();
  /** Snapshot processes whose parent was not seen yet, by the parent pid they name. */
  private readonly waiting = new Map<number, Proc | Proc[]>();

  /** The process a record belongs to (created, inferred, if unknown). */
  procOf(r: Record): Proc {
    let p = this.live.get(r.pid);
    if (!p) {
      p = this.add(new Proc(r.pid, r.ppid, this.live.get(r.ppid) ?? null, null, r.uid, r.comm, 'inferred'));
    }
    return p;
  }

  /** A record of some other kind, by its common fields alone (what observe() does with it). */
  touch(pid: number, ppid: number, uid: number, comm: Uint8Array | undefined): void {
    let p = this.live.get(pid);
    if (!p) p = this.add(new Proc(pid, ppid, this.live.get(ppid) ?? null, null, uid, comm ?? NO_BYTES, 'inferred'));
    p.active = true;
    p.events++;
  }

  get(pid: number): Proc | undefined { return this.live.get(pid); }
  /** Every process that had this pid, oldest first. */
  byPid(pid: number): Proc[] { return this.all.filter((p) => p.pid === pid); }

  observe(r: Record): void {
    switch (r.body) {
      case 'process': {
        const s = r.process!;
        const p = this.add(new Proc(r.pid, r.ppid, this.live.get(r.ppid) ?? null, Number(s.start ?? 0), r.uid, r.comm, 'snapshot'));
        p.tty = s.ttyRdev ?? 0;
        p.addExec(new ExecInfo(Number(s.start ?? 0), s.exe, s.argv, 0, null, true, false));
        if (!p.parent) this.wait(p);
        // children seen in the snapshot before their parent; each is a root, so it closes a cycle
        // exactly when it is the root of p's own tree
        const waiting = this.waiting.get(p.pid);
        if (waiting) {
          this.waiting.delete(p.pid);
          for (const q of Array.isArray(waiting) ? waiting : [waiting]) {
            if (q.parent !== null) continue;
            if (q === p || this.find(q) === this.find(p)) { q.cycleWith = p.pid; this.cycles.push({ proc: q, parent: p }); continue; }
            q.parent = p;
            p.addChild(q);
            this.find(q).set = this.find(p);
          }
        }
        return;
      }
      case 'fork': {
        const f = r.fork!;
        if (f.thread) return; // a new thread is not a new process
        const parent = this.procOf(r);
        parent.active = true;
        const old = this.live.get(f.childPid ?? 0);
        if (old) this.live.delete(old.pid); // pid reused without a recorded exit (lost events)
        this.add(new Proc(f.childPid ?? 0, r.pid, parent, r.ts, r.uid, parent.commPacked, 'fork')).active = true;
        return;
      }
      case 'exec': {
        const e = r.exec!;
        const p = this.procOf(r);
        p.active = true;
        p.events++;
        p.addExec(new ExecInfo(r.ts, e.filename, e.argv, e.ret ?? 0, e.interp, false, !!e.argsTruncated));
        if (!e.ret) { p.setComm(r.comm); p.uid = r.uid; }
        return;
      }
      case 'exit': {
        const x = r.exit!;
        const p = this.procOf(r);
        p.active = true;
        // the exit record carries task->start_time, exact where the /proc snapshot is in clock ticks
        if (p.start === null || (p.origin === 'snapshot' && x.start != null && Number(x.start) !== 0)) p.start = Number(x.start ?? 0);
        p.setExit(r.ts, x.code ?? 0, x.signal ?? 0, !!x.coreDumped);
        this.live.delete(p.pid);
        return;
      }
      case 'header': case 'trailer': case 'lost': case 'malformed': case undefined:
        return;
      default: {
        const p = this.procOf(r);
        p.active = true;
        p.events++;
      }
    }
  }

  roots(): Proc[] { return this.all.filter((p) => p.parent === null); }

  /** Ancestors from the root down to p (state/ancestry.ts: bounded, cycle-safe). */
  ancestry(p: Proc): Proc[] { return ancestry(p); }

  /** p and every process below it, parents before children (iterative: chains can be deep). */
  descendants(p: Proc): Proc[] {
    const out: Proc[] = [];
    const stack = [p];
    while (stack.length) {
      const q = stack.pop()!;
      out.push(q);
      for (let i = q.children.length - 1; i >= 0; i--) stack.push(q.children[i]!);
    }
    return out;
  }

  private wait(p: Proc): void {
    const list = this.waiting.get(p.ppid); // most parents wait for one child: no list for it
    if (list === undefined) this.waiting.set(p.ppid, p);
    else if (Array.isArray(list)) list.push(p);
    else this.waiting.set(p.ppid, [list, p]);
  }

  /** The representative of p's tree (union-find with path halving: near-constant time). */
  private find(p: Proc): Proc {
    while (p.set !== p) { p.set = p.set.set; p = p.set; }
    return p;
  }

  /** p is new, so it has no children yet: linking it under an existing parent cannot close a cycle. */
  private add(p: Proc): Proc {
    p.index = this.all.length;
    this.all.push(p);
    this.live.set(p.pid, p);
    if (p.parent) { p.parent.addChild(p); p.set = this.find(p.parent); }
    return p;
  }
}
