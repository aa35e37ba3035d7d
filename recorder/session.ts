// A recording session: open the output, load and attach every probe family, consume the two
// lane rings (priority first), encode records straight into frames, and end cleanly with a
// trailer on every path, a signal during set-up included.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { release } from 'node:os';
import { ThreadedCaptureWriter, type BodyKind } from '../format/index.js';
import { openLibbpf, type Libbpf } from './libbpf.js';
import { Clock, type DecodeContext } from './decode.js';
import { RingEncoder } from './encode.js';
import { FrameBuffer } from './wire.js';
import { LaneTranscoder } from './transcode.js';
import { FAMILIES } from './probes/index.js';
import type { Lane } from './probes/types.js';
import { ensureTracefs, hostHeader, monoNow, processSnapshot, readClocks, unmountTracefs, type ClockPair } from './host.js';
import { openOutput, type Output } from './output.js';
import { encodeConfig, loadFamily, outputPipe, type LaneFds, type Loaded } from './loader.js';
import { Ring, RingWaiter } from './ring.js';
import { POLL_MS, type RecorderSettings } from './settings.js';

export const RECORDER_VERSION = '0.3.0';

/** Exit codes of secrec (documented in the README). */
export const EXIT = { ok: 0, error: 1, usage: 2, environment: 3, output: 4, nothingAttached: 5 } as const;

export class SetupError extends Error {
  constructor(message: string, readonly exitCode: number) { super(message); this.name = 'SetupError'; }
}

export interface Summary {
  reason: string;
  clean: boolean;
  records: number;
  counts: Map<BodyKind, number>;
  lost: number;
  lostByLane: Record<Lane, number>;
  bytes: number;
  frames: number;
  chain: string;
  seconds: number;
  setupSeconds: number;
  malformed: number;
}

interface LaneState { ring: Ring; lane: Lane; t: LaneTranscoder }

export class Recorder {
  private lib: Libbpf | null = null;
  private readonly loaded: Loaded[] = [];
  private lanes: LaneFds | null = null;
  private rings: LaneState[] = [];
  private waiter: RingWaiter | null = null;
  private out: Output | null = null;
  private writer: ThreadedCaptureWriter | null = null;
  private frame = new FrameBuffer();
  private enc!: RingEncoder;
  private clock!: Clock;
  private dctx!: DecodeContext;
  private clocks!: ClockPair;
  private stopReason: string | null = null;
  private mountedTracefs: string | null = null;
  private lost = 0;
  private readonly lostByLane: Record<Lane, number> = { prio: 0, bulk: 0 };
  private malformed = 0;
  private startedAt = 0;
  private setupMs = 0;
  private frameSince = 0;
  private writeFailed = false;

  constructor(private readonly s: RecorderSettings, private readonly log: (msg: string) => void) {}

  stop(reason: string): void { if (this.stopReason === null) this.stopReason = reason; }
  get stopping(): boolean { return this.stopReason !== null; }

  /** Opens the output first (a refused output leaves nothing behind), then loads and attaches
   * the probes, and writes the header. Returns false when a signal ended it during set-up:
   * the file then holds the header, the trailer, and why. */
  async setup(): Promise<boolean> {
    const t0 = Date.now();
    checkEnvironment(this.s);
    this.out = openOutput(this.s.output, this.s.force);
    try {
      this.lib = openLibbpf();
      if (!this.s.verbose) this.lib.silence();
      this.mountedTracefs = ensureTracefs();
      if (this.mountedTracefs) this.log(`mounted tracefs on ${this.mountedTracefs} (unmounted at exit)`);
      this.clocks = readClocks();
      this.clock = new Clock(this.clocks.monoNs);
      this.dctx = { clock: this.clock, maxArgs: this.s.maxArgs, argBytes: this.s.argBytes };
      this.enc = new RingEncoder(this.clock, this.frame);
      this.lanes = { prio: this.lib.createRing('prio', this.s.prioRingBytes), bulk: this.lib.createRing('bulk', this.s.ringBytes) };
      const pipe = this.s.output === '-' ? outputPipe(1) : null;
      const config = (initial: Buffer | null, size: number) => encodeConfig(this.s, initial, size, process.pid, pipe);
      const lib = this.lib;
      const lanes = this.lanes;
      // Families load concurrently (the verifier runs off the main thread); a signal stops
      // new loads, and whatever did load is detached again below.
      const pending = FAMILIES.map(async (f) => {
        await new Promise((r) => setImmediate(r));
        if (this.stopping) return { family: f, obj: null, links: [], dropsMap: null, lostSoFar: 0, probe: { name: f.name, attached: false, reason: `not loaded: ${this.stopReason} during set-up`, targets: [] } } satisfies Loaded;
        return loadFamily(lib, f, this.s, lanes, config);
      });
      this.loaded.push(...await Promise.all(pending));
      if (!this.stopping && !this.loaded.some((l) => l.probe.attached)) {
        throw new SetupError(`no probe could be attached:\n${this.loaded.map((l) => `  ${l.family.name}: ${l.probe.reason}`).join('\n')}`, EXIT.nothingAttached);
      }
      this.rings = (['prio', 'bulk'] as const).map((lane) => {
        const ring = new Ring(lanes[lane], lane === 'prio' ? this.s.prioRingBytes : this.s.ringBytes, lane);
        const t = new LaneTranscoder(lane, FAMILIES, this.enc, this.dctx, (why) => {
          if (++this.malformed <= 5) this.log(`malformed kernel record kept in the capture (${lane} lane): ${why}`);
        });
        return { ring, lane, t };
      });
      this.waiter = new RingWaiter([lanes.prio, lanes.bulk]);
    } catch (e) {
      // nothing was written yet: leave no empty file behind
      this.teardownKernel();
      this.out.discard();
      throw e;
    }
    // compression, the SHA-256 chain and the writes run in a worker: this thread only reads rings
    this.writer = new ThreadedCaptureWriter(this.out.fd, { frameBytes: this.s.frameBytes, flushAfterMs: this.s.flushMs, onError: (e) => this.writeError(e) });
    this.writer.start({
      ...hostHeader(this.clocks),
      recorderVersion: RECORDER_VERSION,
      argv: this.s.argv,
      probes: this.loaded.map((l) => l.probe),
      settings: {
        maxArgs: this.s.maxArgs, argBytes: this.s.argBytes, writeBytes: this.s.writeBytes,
        pathBytes: this.s.pathBytes, readlineBytes: this.s.readlineBytes, stdio: this.s.stdio,
        ringBytes: this.s.ringBytes, priorityRingBytes: this.s.prioRingBytes, dirDepth: this.s.dirDepth, flushMs: this.s.flushMs,
      },
    });
    this.setupMs = Date.now() - t0;
    if (this.stopping) return false;
    for (const rec of processSnapshot(this.clocks.monoNs, process.pid)) this.frame.add(rec, 'process');
    this.flushFrame();
    for (const l of this.loaded) {
      this.log(l.probe.attached ? `attached ${l.family.name}: ${l.probe.targets?.join(', ')}` : `skipped ${l.family.name}: ${l.probe.reason}`);
    }
    return true;
  }

  /** Consumes events until stop() or a limit; then drains, writes the trailer and closes. */
  async run(status?: (s: { events: number; bytes: number; lost: number; seconds: number }) => void): Promise<Summary> {
    this.startedAt = Date.now();
    let lastTick = this.startedAt;
    const [prio, bulk] = this.rings as [LaneState, LaneState];
    const onPrio = (v: Buffer, off: number, size: number) => this.onRecord(prio, v, off, size);
    const onBulk = (v: Buffer, off: number, size: number) => this.onRecord(bulk, v, off, size);
    this.frameSince = Date.now();
    while (this.stopReason === null) {
      // The priority lane is emptied before each bounded batch of the bulk lane. Both are taken
      // in batches small enough that a frame stays near frameBytes whatever the records' sizes
      // (a whole 32 MiB lane in one frame would make frames the reader must refuse past 64 MiB).
      let n = 0;
      for (let i = 0; i < 256; i++) {
        for (let p = PRIO_BATCH; p === PRIO_BATCH;) {
          p = prio.ring.drain(onPrio, PRIO_BATCH);
          n += p;
          if (this.frame.pos >= this.s.frameBytes) this.flushFrame();
        }
        const b = bulk.ring.drain(onBulk, BULK_BATCH);
        n += b;
        if (this.frame.pos >= this.s.frameBytes) this.flushFrame();
        if (b < BULK_BATCH) break;
      }
      const now = Date.now();
      if (now - lastTick >= 1000) {
        lastTick = now;
        this.collectLost();
        status?.({ events: prio.ring.records + bulk.ring.records, bytes: this.writer!.bytesWritten, lost: this.lost, seconds: (now - this.startedAt) / 1000 });
      }
      if (this.frame.records > 0 && now - this.frameSince >= this.s.flushMs) this.flushFrame();
      this.writer!.poll();
      if (this.s.durationMs > 0 && now - this.startedAt >= this.s.durationMs) this.stop('duration');
      if (this.s.maxSize > 0 && this.writer!.bytesWritten >= this.s.maxSize) this.stop('max-size');
      // A ring's poll reports ready as soon as it holds one record, so waiting on it after a small
      // batch would spin at a trickle of events: sleep instead (the rings hold far more than one
      // sleep's worth), and only block on the rings when they are empty.
      if (n === 0) this.waiter!.wait(Math.min(POLL_MS, this.s.flushMs));
      else if (n < TRICKLE) sleepMs(Math.min(POLL_MS, this.s.flushMs));
      await new Promise((r) => setImmediate(r));
    }
    return this.finish();
  }

  /** Ends the capture: after a normal run, or right after set-up when a signal came then. */
  finish(): Summary {
    const lib = this.lib;
    // Stop producing first, then take what the rings still hold.
    if (lib) for (const l of this.loaded) { for (const k of l.links) lib.destroyLink(k); l.links = []; }
    for (const st of this.rings) {
      const on = (v: Buffer, off: number, size: number) => this.onRecord(st, v, off, size);
      while (st.ring.drain(on, 1 << 30) > 0) { /* until empty */ }
    }
    this.collectLost();
    this.flushFrame();
    const reason = this.stopReason ?? 'unknown';
    const ts = this.clock.rel(monoBuf(), 0);
    const w = this.writer!;
    const chain = w.finish({ clean: !this.writeFailed, reason, lost: this.lost, ts, malformed: this.malformed }).toString('hex');
    this.out?.close();
    this.teardownKernel();
    return {
      reason, clean: !this.writeFailed, records: w.records, counts: w.counts, lost: this.lost, lostByLane: this.lostByLane,
      bytes: w.bytesWritten, frames: w.frames, chain, seconds: this.startedAt ? (Date.now() - this.startedAt) / 1000 : 0,
      setupSeconds: this.setupMs / 1000, malformed: this.malformed,
    };
  }

  private onRecord(st: LaneState, buf: Buffer, off: number, size: number): void { st.t.handle(buf, off, size); }

  private flushFrame(): void {
    this.frameSince = Date.now();
    if (this.frame.records === 0 || !this.writer) return;
    const f = this.frame.take();
    this.writer.addFrame(f.raw, f.records, f.counts);
  }

  private teardownKernel(): void {
    const lib = this.lib;
    this.waiter?.close();
    this.waiter = null;
    for (const st of this.rings) st.ring.close();
    this.rings = [];
    if (lib) {
      for (const l of this.loaded) {
        for (const k of l.links) lib.destroyLink(k);
        if (l.obj !== null) lib.close(l.obj);
        l.links = [];
        l.obj = null;
      }
      if (this.lanes) { lib.closeFd(this.lanes.prio); lib.closeFd(this.lanes.bulk); this.lanes = null; }
    }
    if (this.mountedTracefs) { unmountTracefs(this.mountedTracefs); this.mountedTracefs = null; }
  }

  private writeError(e: NodeJS.ErrnoException): void {
    this.writeFailed = true;
    this.stop(e.code === 'ENOSPC' ? 'disk full' : e.code === 'EPIPE' ? 'output closed (EPIPE)' : `write error: ${e.message}`);
    this.log(`cannot write ${this.out?.name}: ${e.message}; stopping (every complete frame so far is readable)`);
  }

  private collectLost(): void {
    if (!this.lib || !this.writer) return;
    const ncpu = this.lib.possibleCpus();
    const key = Buffer.alloc(4);
    const val = Buffer.alloc(8 * ncpu);
    for (const l of this.loaded) {
      if (!l.dropsMap || l.obj === null) continue;
      if (!this.lib.lookup(l.dropsMap, key, val)) continue;
      let total = 0;
      for (let i = 0; i < ncpu; i++) total += Number(val.readBigUInt64LE(i * 8));
      const delta = total - l.lostSoFar;
      if (delta > 0) {
        l.lostSoFar = total;
        this.lost += delta;
        this.lostByLane[l.family.lane] += delta;
        this.frame.add({ ts: this.clock.rel(monoBuf(), 0), lost: { probe: l.family.name, count: delta, lane: l.family.lane } }, 'lost');
      }
    }
  }
}

/** Records drained between frame-size checks, per lane: at most 128 x 64 KiB tty writes or
 *  2048 x 4 KiB paths (8 MiB) past frameBytes in the worst case. */
const PRIO_BATCH = 128;
const BULK_BATCH = 2048;
/** Fewer records than this in one round: the host is quiet enough to sleep between rounds. */
const TRICKLE = 1024;
const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms: number): void { Atomics.wait(sleeper, 0, 0, ms); }

function monoBuf(): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(monoNow());
  return b;
}

/** Refuses to start, with the fix, when this host cannot record. */
export function checkEnvironment(s: RecorderSettings): void {
  if (process.getuid?.() !== 0) throw new SetupError('secrec must run as root (it loads BPF programs): sudo secrec ...', EXIT.environment);
  if (!existsSync('/sys/kernel/btf/vmlinux')) {
    throw new SetupError('this kernel has no BTF (/sys/kernel/btf/vmlinux): secrec needs a kernel built with CONFIG_DEBUG_INFO_BTF=y', EXIT.environment);
  }
  const m = /^(\d+)\.(\d+)/.exec(release());
  const [maj, min] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (maj < 5 || (maj === 5 && min < 17)) throw new SetupError(`kernel ${maj}.${min} is too old: secrec needs Linux 5.17 or later (BPF ring buffer, bpf_loop)`, EXIT.environment);
  const missing = FAMILIES.filter((f) => s.probes.includes(f.name) && !existsSync(join(s.objDir, f.object)));
  if (missing.length) {
    throw new SetupError(`BPF objects not built (${missing.map((f) => f.object).join(', ')} missing in ${s.objDir}): run npm run build:bpf`, EXIT.environment);
  }
}
