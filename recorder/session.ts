// A recording session: check the host (environment.ts), open the output, load and attach every
// probe family (loader.ts, with config.ts's settings block), consume the two lane rings
// (runloop.ts), encode records straight into frames, and end cleanly with a trailer on every
// path, a signal during set-up included.
import { ThreadedCaptureWriter, type BodyKind } from '../format/index.js';
import { openLibbpf, type Libbpf } from './libbpf.js';
import { Clock, type DecodeContext } from './decode.js';
import { RingEncoder } from './encode.js';
import { FrameBuffer } from './wire.js';
import { FAMILIES } from './probes/index.js';
import type { Lane } from './probes/types.js';
import { ensureTracefs, hostHeader, monoNow, processSnapshot, readClocks, unmountTracefs, type ClockPair } from './host.js';
import { openOutput, type Output } from './output.js';
import { createLanes, loadFamilies, type LaneFds, type Loaded } from './loader.js';
import { encodeConfig, outputPipe } from './config.js';
import type { RingWaiter } from './ring.js';
import type { RecorderSettings } from './settings.js';
import { EXIT, SetupError, checkEnvironment } from './environment.js';
import { drainAll, drainRound, openLanes, rest, type LaneState } from './runloop.js';
import { warmUp } from './warmup.js';

export { EXIT, SetupError } from './environment.js';

export const RECORDER_VERSION = '0.3.0';

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
      this.enc = new RingEncoder(this.dctx, this.frame);
      this.lanes = createLanes(this.lib, this.s);
      const pipe = this.s.output === '-' ? outputPipe(1) : null;
      const config = (initial: Buffer | null, size: number) => encodeConfig(this.s, initial, size, process.pid, pipe);
      // a signal stops new loads, and whatever did load is detached again below
      this.loaded.push(...await loadFamilies(this.lib, FAMILIES, this.s, this.lanes, config, () => this.stopReason));
      if (!this.stopping && !this.loaded.some((l) => l.probe.attached)) {
        throw new SetupError(`no probe could be attached:\n${this.loaded.map((l) => `  ${l.family.name}: ${l.probe.reason}`).join('\n')}`, EXIT.nothingAttached);
      }
      const lanes = openLanes(this.lanes, this.s, FAMILIES, this.enc, this.dctx, (lane, why) => {
        if (++this.malformed <= 5) this.log(`malformed kernel record kept in the capture (${lane} lane): ${why}`);
      });
      this.rings = [lanes.prio, lanes.spill, lanes.bulk];
      this.waiter = lanes.waiter;
      // before the first record is read; the probes are attached, so this is a short window
      warmUp(this.loaded.filter((l) => l.probe.attached).map((l) => l.family), this.dctx);
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
        ringBytes: this.s.ringBytes, priorityRingBytes: this.s.prioRingBytes, spillRingBytes: this.s.spillRingBytes, dirDepth: this.s.dirDepth, flushMs: this.s.flushMs,
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
    const [prio, spill, bulk] = this.rings as [LaneState, LaneState, LaneState];
    const flush = () => this.flushFrame();
    this.frameSince = Date.now();
    while (this.stopReason === null) {
      const n = drainRound(prio, bulk, spill, this.frame, this.s.frameBytes, flush);
      const now = Date.now();
      if (now - lastTick >= 1000) {
        lastTick = now;
        this.collectLost();
        status?.({ events: prio.ring.records + spill.ring.records + bulk.ring.records, bytes: this.writer!.bytesWritten, lost: this.lost, seconds: (now - this.startedAt) / 1000 });
      }
      if (this.frame.records > 0 && now - this.frameSince >= this.s.flushMs) this.flushFrame();
      this.writer!.poll();
      if (this.s.durationMs > 0 && now - this.startedAt >= this.s.durationMs) this.stop('duration');
      if (this.s.maxSize > 0 && this.writer!.bytesWritten >= this.s.maxSize) this.stop('max-size');
      rest(n, this.waiter!, this.frame.records > 0 ? this.s.flushMs - (Date.now() - this.frameSince) : this.s.flushMs);
      await new Promise((r) => setImmediate(r));
    }
    return this.finish();
  }

  /** Ends the capture: after a normal run, or right after set-up when a signal came then. */
  finish(): Summary {
    const lib = this.lib;
    // Stop producing first, then take what the rings still hold.
    if (lib) for (const l of this.loaded) { for (const k of l.links) lib.destroyLink(k); l.links = []; }
    for (const st of this.rings) drainAll(st);
    this.collectLost();
    this.flushFrame();
    const reason = this.stopReason ?? 'unknown';
    const ts = this.clock.rel(monoBuf(), 0);
    const w = this.writer!;
    // each family's loss so far is what its lost records add up to
    const lostByProbe = this.loaded.filter((l) => l.lostSoFar > 0).map((l) => ({ probe: l.family.name, lane: l.family.lane, count: l.lostSoFar }));
    const chain = w.finish({ clean: !this.writeFailed, reason, lost: this.lost, ts, malformed: this.malformed, lostByProbe }).toString('hex');
    this.out?.close();
    this.teardownKernel();
    return {
      reason, clean: !this.writeFailed, records: w.records, counts: w.counts, lost: this.lost, lostByLane: this.lostByLane,
      bytes: w.bytesWritten, frames: w.frames, chain, seconds: this.startedAt ? (Date.now() - this.startedAt) / 1000 : 0,
      setupSeconds: this.setupMs / 1000, malformed: this.malformed,
    };
  }

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
      if (this.lanes) { for (const fd of Object.values(this.lanes)) lib.closeFd(fd); this.lanes = null; }
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

function monoBuf(): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(monoNow());
  return b;
}
