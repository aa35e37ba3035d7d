// An event table's CSV/NDJSON lines written straight from a raw record (format/lazy.ts: common
// fields and the body's bytes, no Record made). The line is the one schema/lines.ts writes for the
// decoded record, byte for byte (test/analyzer/rawlines.test.ts compares the two), in pieces:
//   - hostname and boot_id: one piece per capture;
//   - the times and the numbers: written per record;
//   - process (pid@start), pid, tid, ppid, uid and gid: one piece per distinct six;
//   - comm, comm_text, cpu and cgroup: one piece per interned comm, cpu and cgroup;
//   - the body's columns, when they are a function of the body alone (lines.ts bodyLine): one piece
//     per distinct body, found by its bytes (a storm repeats its paths and errors); a body seen
//     once is decoded and written as usual, and a table whose bodies rarely repeat (tty output)
//     stops looking them up for a while.
// Each piece is written the first time by the writer's own methods and kept as the bytes they
// wrote, so a kept piece cannot differ from a written one.
import type { RawRecord } from '../../format/index.js';
import type { HostClock } from './clock.js';
import { bodyLine, type BodyLine, type LineWriter, type TextFormat } from './lines.js';
import type { EventTable } from './fields.js';

/** Slots of the body table (a power of two), and the longest body kept. */
const SLOTS = 4096;
const MAX_BODY = 512;
/** Lookups per judgement of the hit rate, the least rate worth it, and records without lookups after a poor one. */
const WINDOW = 4096;
const MIN_HITS = WINDOW / 4;
const PAUSE = 1 << 16;
/** Comms kept before their table starts over, and process slots (a power of two). */
const MAX_KEPT = 1 << 16;
const PROC_SLOTS = 8192;
const TWO32 = 4294967296;
/** CPUs with a piece of their own per comm (a higher cpu's columns are written each time). */
const MAX_CPU = 256;

/** An interned comm's pieces of comm … cgroup: by cpu, for one cgroup (another empties them). */
interface CommEntry { cgroup: number; byCpu: (Uint8Array | undefined)[] }

/** What the line needs besides the record: the clock, the capture's arch, and the helpers. */
export interface RawContext { clock: HostClock; arch: string }

export class RawLines {
  private readonly body: BodyLine | null;
  private head: Uint8Array | null = null;
  /** Pieces of columns process … gid, by a hash of pid, tid, ppid, uid, gid and start (-1: null),
   * which `who` holds per slot (-1: empty). */
  private readonly who = new Float64Array(PROC_SLOTS * 6).fill(-1);
  private readonly procPiece: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(PROC_SLOTS);
  private lastComm: Buffer | undefined | null = null;
  private lastCommEntry: CommEntry | null = null;
  private readonly comms = new Map<Buffer | undefined, CommEntry>();
  /** The body pieces, by the slot BodyKeys gave their body. */
  private readonly pieces: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(SLOTS);
  /** The bodies' slots; null when the caller finds them (a line worker's main thread). */
  readonly keys: BodyKeys | null;

  constructor(table: EventTable, format: TextFormat, private readonly W: LineWriter, private readonly c: RawContext, private readonly H: unknown, ownKeys = true) {
    this.body = bodyLine(table, format);
    this.keys = ownKeys ? new BodyKeys() : null;
  }

  /** Whether this table's lines can be written from raw records at all. */
  static can(table: EventTable, format: TextFormat): boolean { return bodyLine(table, format) !== null; }

  /** d's line; `start`: the start of the live process with d's pid (null: unknown or none);
   * `slot`: what BodyKeys.find() says of d's body (given by the caller when keys is null). */
  write(d: RawRecord, start: number | null, slot = this.keys!.find(d.buf, d.bs, d.be)): void {
    const W = this.W;
    const clock = this.c.clock;
    W.room(1024);
    if (this.head !== null) W.put(this.head);
    else this.head = W.keeping(() => { W.str(0, clock.hostname); W.str(1, clock.bootId); });
    W.epochNs(2, clock, d.ts);
    W.time(3, clock, d.ts);
    W.num(4, d.ts);
    // process, pid, tid, ppid, uid and gid: one piece per distinct six (a process's threads and
    // the ids it runs as are few), in a table of PROC_SLOTS; a miss writes them and takes the slot
    const pid = d.pid; const tid = d.tid; const ppid = d.ppid; const uid = d.uid; const gid = d.gid;
    const st = start ?? -1; // starts are never negative
    const h = Math.imul(Math.imul(Math.imul(pid ^ Math.imul(tid, 0x9e3779b1), 0x85ebca6b) ^ ppid ^ Math.imul(uid, 0xc2b2ae35) ^ Math.imul(gid, 0x27d4eb2f), 0x165667b1) ^ (st % TWO32), 16777619);
    const ps = (h >>> 17 ^ h) & (PROC_SLOTS - 1);
    const k = ps * 6;
    const who = this.who;
    if (who[k] === pid && who[k + 1] === tid && who[k + 2] === ppid && who[k + 3] === uid && who[k + 4] === gid && who[k + 5] === st) W.put(this.procPiece[ps]!);
    else {
      const piece = W.keeping(() => { W.str(5, clock.processId(pid, start)); W.num(6, pid); W.num(7, tid); W.num(8, ppid); W.num(9, uid); W.num(10, gid); });
      who[k] = pid; who[k + 1] = tid; who[k + 2] = ppid; who[k + 3] = uid; who[k + 4] = gid; who[k + 5] = st;
      this.procPiece[ps] = piece;
    }
    // comm, comm_text, cpu and cgroup: per interned comm, its cgroup and a piece per cpu
    const comm = d.comm;
    const ce = comm === this.lastComm ? this.lastCommEntry! : this.commEntry(comm);
    const cpu = d.cpu;
    const cg = d.cgroup;
    const cp = ce.cgroup === cg && cpu < MAX_CPU ? ce.byCpu[cpu] : undefined;
    if (cp !== undefined) W.put(cp);
    else {
      const piece = W.keeping(() => { W.bin(11, comm); W.binText(12, comm); W.num(13, cpu); W.num(14, cg); });
      if (cpu < MAX_CPU) {
        if (ce.cgroup !== cg) { ce.cgroup = cg; ce.byCpu.fill(undefined); }
        ce.byCpu[cpu] = piece;
      }
    }
    this.bodyOf(d, slot);
    W.end();
  }

  private commEntry(comm: Buffer | undefined): CommEntry {
    let e = this.comms.get(comm);
    if (e === undefined) {
      if (this.comms.size >= MAX_KEPT) this.comms.clear();
      e = { cgroup: -1, byCpu: new Array<Uint8Array | undefined>(MAX_CPU).fill(undefined) };
      this.comms.set(comm, e);
    }
    this.lastComm = comm;
    this.lastCommEntry = e;
    return e;
  }

  /** The body's columns: the piece of its slot (a hit), or written, and kept when a slot is given. */
  private bodyOf(d: RawRecord, slot: number): void {
    if (slot >= 0 && slot < SLOTS) { this.W.put(this.pieces[slot]!); return; }
    if (slot < 0) { this.body!(d.body(), this.c, this.H, this.W); return; }
    this.pieces[slot - SLOTS] = this.W.keeping(() => this.body!(d.body(), this.c, this.H, this.W));
  }
}

/** Distinct bodies by their bytes, in SLOTS slots: a storm repeats its paths and errors. A table whose
 * bodies rarely repeat (tty output) stops looking them up for PAUSE records after a WINDOW of
 * lookups with under MIN_HITS hits. */
export class BodyKeys {
  /** Whether find()'s answer names a kept piece (the body's bytes are not needed). */
  static hit(slot: number): boolean { return slot >= 0 && slot < SLOTS; }

  private readonly hashes = new Int32Array(SLOTS);
  private readonly keys: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(SLOTS);
  private lookups = 0;
  private hits = 0;
  private paused = 0;

  /** buf[bs, be)'s slot when it is there (0 … SLOTS-1: its piece is kept); SLOTS + its slot when it
   * is not and now has one (its piece is to be written and kept there, in place of the slot's
   * last); -1 when it is not looked up (too long, or a pause). */
  find(buf: Uint8Array, bs: number, be: number): number {
    const n = be - bs;
    if (this.paused > 0) { this.paused--; return -1; }
    if (n > MAX_BODY) return -1;
    let h = Math.imul(n ^ 0x9e3779b9, 16777619);
    let i = bs;
    for (; i + 4 <= be; i += 4) { h = Math.imul(h ^ (buf[i]! | buf[i + 1]! << 8 | buf[i + 2]! << 16 | buf[i + 3]! << 24), 0x5bd1e995); h ^= h >>> 15; } // four bytes a step
    for (; i < be; i++) h = Math.imul(h ^ buf[i]!, 16777619);
    const s = (h >>> 0) & (SLOTS - 1);
    const key = this.keys[s];
    if (++this.lookups === WINDOW) {
      if (this.hits < MIN_HITS) this.paused = PAUSE;
      this.lookups = 0;
      this.hits = 0;
    }
    if (key !== undefined && this.hashes[s] === h && key.length === n && same(key, buf, bs, n)) {
      this.hits++;
      return s;
    }
    this.hashes[s] = h;
    this.keys[s] = Uint8Array.prototype.slice.call(buf, bs, be);
    return SLOTS + s;
  }
}

function same(a: Uint8Array, b: Uint8Array, at: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[at + i]) return false;
  return true;
}
