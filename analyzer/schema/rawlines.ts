// An event table's CSV/NDJSON lines written straight from a raw record (format/lazy.ts: common
// fields and the body's bytes, no Record made). The line is the one schema/lines.ts writes for the
// decoded record, byte for byte (test/analyzer/rawlines.test.ts compares the two), in pieces:
//   - hostname and boot_id: one piece per capture;
//   - the times and the numbers: written per record;
//   - process (pid@start): one piece per live pid and start;
//   - comm and comm_text: one piece per interned comm;
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

/** What the line needs besides the record: the clock, the capture's arch, and the helpers. */
export interface RawContext { clock: HostClock; arch: string }

export class RawLines {
  private readonly body: BodyLine | null;
  private head: Uint8Array | null = null;
  /** process pieces, direct-mapped by pid: the pid, its start (NaN: null) and the piece. */
  private readonly procPid = new Float64Array(PROC_SLOTS).fill(-1);
  private readonly procStart = new Float64Array(PROC_SLOTS);
  private readonly procPiece: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(PROC_SLOTS);
  private lastComm: Buffer | undefined | null = null;
  private lastCommPiece: Uint8Array | undefined;
  private readonly comms = new Map<Buffer | undefined, Uint8Array>();
  private readonly hashes = new Int32Array(SLOTS);
  private readonly keys: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(SLOTS);
  private readonly pieces: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(SLOTS);
  private lookups = 0;
  private hits = 0;
  private paused = 0;
  /** Body pieces used, and bodies written. */
  kept = 0;
  written = 0;

  constructor(table: EventTable, format: TextFormat, private readonly W: LineWriter, private readonly c: RawContext, private readonly H: unknown) {
    this.body = bodyLine(table, format);
  }

  /** Whether this table's lines can be written from raw records at all. */
  static can(table: EventTable, format: TextFormat): boolean { return bodyLine(table, format) !== null; }

  /** d's line; `start`: the start of the live process with d's pid (null: unknown or none). */
  write(d: RawRecord, start: number | null): void {
    const W = this.W;
    const clock = this.c.clock;
    W.room(1024);
    if (this.head !== null) W.put(this.head);
    else this.head = this.piece(() => { W.str(0, clock.hostname); W.str(1, clock.bootId); });
    W.epochNs(2, clock, d.ts);
    W.time(3, clock, d.ts);
    W.num(4, d.ts);
    const pid = d.pid;
    const ps = pid & (PROC_SLOTS - 1);
    const st = start ?? NaN;
    if (this.procPid[ps] === pid && (this.procStart[ps] === st || (st !== st && this.procStart[ps] !== this.procStart[ps]))) W.put(this.procPiece[ps]!);
    else {
      const piece = this.piece(() => W.str(5, clock.processId(pid, start)));
      if (piece !== null) { this.procPid[ps] = pid; this.procStart[ps] = st; this.procPiece[ps] = piece; }
    }
    W.num(6, pid); W.num(7, d.tid); W.num(8, d.ppid); W.num(9, d.uid); W.num(10, d.gid);
    const comm = d.comm;
    const cp = comm === this.lastComm ? this.lastCommPiece : this.comms.get(comm);
    if (cp !== undefined) { W.put(cp); this.lastComm = comm; this.lastCommPiece = cp; }
    else {
      if (this.comms.size >= MAX_KEPT) this.comms.clear();
      const piece = this.piece(() => { W.bin(11, comm); W.binText(12, comm); });
      if (piece !== null) this.comms.set(comm, piece);
    }
    W.num(13, d.cpu); W.num(14, d.cgroup);
    this.bodyOf(d);
    W.end();
  }

  /** The body's columns: a kept piece, or written (and kept when bodies repeat). */
  private bodyOf(d: RawRecord): void {
    const W = this.W;
    const body = this.body!;
    const n = d.be - d.bs;
    if (this.paused > 0 || n > MAX_BODY) {
      if (this.paused > 0) this.paused--;
      body(d.body(), this.c, this.H, W);
      this.written++;
      return;
    }
    const buf = d.buf;
    const bs = d.bs;
    let h = Math.imul(n ^ 0x9e3779b9, 16777619);
    for (let i = bs; i < d.be; i++) h = Math.imul(h ^ buf[i]!, 16777619);
    const s = (h >>> 0) & (SLOTS - 1);
    const key = this.keys[s];
    if (++this.lookups === WINDOW) {
      if (this.hits < MIN_HITS) this.paused = PAUSE;
      this.lookups = 0;
      this.hits = 0;
    }
    if (key !== undefined && this.hashes[s] === h && key.length === n && same(key, buf, bs, n)) {
      this.hits++;
      this.kept++;
      W.put(this.pieces[s]!);
      return;
    }
    const m = W.mark();
    const drains = W.drains;
    body(d.body(), this.c, this.H, W);
    this.written++;
    const piece = W.cut(m, drains);
    if (piece === null) return;
    this.hashes[s] = h;
    this.keys[s] = Uint8Array.prototype.slice.call(buf, bs, d.be);
    this.pieces[s] = piece;
  }

  /** What write() writes, as bytes to keep (null when the buffer was handed out meanwhile). */
  private piece(write: () => void): Uint8Array | null {
    const m = this.W.mark();
    const drains = this.W.drains;
    write();
    return this.W.cut(m, drains);
  }
}

function same(a: Uint8Array, b: Uint8Array, at: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[at + i]) return false;
  return true;
}
