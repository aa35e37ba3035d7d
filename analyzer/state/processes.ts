// ProcessTree: processes rebuilt from the start snapshot plus fork/exec/exit records.
// A process is identified by pid + start time, so a reused pid is a new process; threads are
// folded into their process; parents are never re-pointed (orphans stay under the parent that
// forked them); a process seen only through its events gets an inferred parent link.
import type { Record } from '../../format/index.js';

/** Decoded bytes point into their frame's 1 MiB buffer: copy what outlives the frame. */
const own = (b: Uint8Array | null | undefined): Uint8Array => (b && b.length ? Uint8Array.prototype.slice.call(b) : new Uint8Array());

export interface ExecInfo {
  ts: number;
  filename: Uint8Array;
  argv: Uint8Array[];
  ret: number;
  interp: Uint8Array;
  snapshot: boolean;
  argsTruncated: boolean;
}

export class Proc {
  children: Proc[] = [];
  execs: ExecInfo[] = [];
  exit: { ts: number; code: number; signal: number; core: boolean } | null = null;
  active = false;
  events = 0;
  tty = 0;
  constructor(
    readonly pid: number,
    public ppid: number,
    public parent: Proc | null,
    public start: number | null,
    public uid: number,
    public comm: Uint8Array,
    readonly origin: 'snapshot' | 'fork' | 'inferred',
  ) {}
  get key(): string { return `${this.pid}@${this.start ?? '?'}`; }
  get inferredParent(): boolean { return this.origin === 'inferred'; }
  /** The command line of the last successful exec (or the snapshot). */
  get argv(): Uint8Array[] {
    for (let i = this.execs.length - 1; i >= 0; i--) if (this.execs[i]!.ret === 0) return this.execs[i]!.argv;
    return [];
  }
}

export class ProcessTree {
  readonly all: Proc[] = [];
  private readonly live = new Map<number, Proc>();

  /** The process a record belongs to (created, inferred, if unknown). */
  procOf(r: Record): Proc {
    let p = this.live.get(r.pid);
    if (!p) {
      p = this.add(new Proc(r.pid, r.ppid, this.live.get(r.ppid) ?? null, null, r.uid, own(r.comm), 'inferred'));
    }
    return p;
  }

  get(pid: number): Proc | undefined { return this.live.get(pid); }
  /** Every process that had this pid, oldest first. */
  byPid(pid: number): Proc[] { return this.all.filter((p) => p.pid === pid); }

  observe(r: Record): void {
    switch (r.body) {
      case 'process': {
        const s = r.process!;
        const p = this.add(new Proc(r.pid, r.ppid, this.live.get(r.ppid) ?? null, Number(s.start ?? 0), r.uid, own(r.comm), 'snapshot'));
        p.tty = s.ttyRdev ?? 0;
        p.execs.push({ ts: Number(s.start ?? 0), filename: own(s.exe), argv: (s.argv ?? []).map(own), ret: 0, interp: new Uint8Array(), snapshot: true, argsTruncated: false });
        // children seen in the snapshot before their parent
        for (const q of this.all) if (q.parent === null && q.ppid === p.pid && q !== p && q.origin === 'snapshot') { q.parent = p; p.children.push(q); }
        return;
      }
      case 'fork': {
        const f = r.fork!;
        if (f.thread) return; // a new thread is not a new process
        const parent = this.procOf(r);
        parent.active = true;
        const old = this.live.get(f.childPid ?? 0);
        if (old) this.live.delete(old.pid); // pid reused without a recorded exit (lost events)
        this.add(new Proc(f.childPid ?? 0, r.pid, parent, r.ts, r.uid, parent.comm, 'fork')).active = true;
        return;
      }
      case 'exec': {
        const e = r.exec!;
        const p = this.procOf(r);
        p.active = true;
        p.events++;
        p.execs.push({ ts: r.ts, filename: own(e.filename), argv: (e.argv ?? []).map(own), ret: e.ret ?? 0, interp: own(e.interp), snapshot: false, argsTruncated: !!e.argsTruncated });
        if (!e.ret) { p.comm = own(r.comm); p.uid = r.uid; }
        return;
      }
      case 'exit': {
        const x = r.exit!;
        const p = this.procOf(r);
        p.active = true;
        // the exit record carries task->start_time, exact where the /proc snapshot is in clock ticks
        if (p.start === null || (p.origin === 'snapshot' && x.start != null && Number(x.start) !== 0)) p.start = Number(x.start ?? 0);
        p.exit = { ts: r.ts, code: x.code ?? 0, signal: x.signal ?? 0, core: !!x.coreDumped };
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

  /** Ancestors from the root down to p. */
  ancestry(p: Proc): Proc[] {
    const chain: Proc[] = [];
    for (let q: Proc | null = p; q && chain.length < 4096; q = q.parent) chain.unshift(q);
    return chain;
  }

  /** p and every process below it. */
  descendants(p: Proc): Proc[] {
    const out: Proc[] = [];
    const stack = [p];
    while (stack.length) { const q = stack.pop()!; out.push(q); stack.push(...q.children); }
    return out;
  }

  private add(p: Proc): Proc {
    this.all.push(p);
    this.live.set(p.pid, p);
    if (p.parent) p.parent.children.push(p);
    return p;
  }
}
