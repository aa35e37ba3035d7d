// A recording session: load and attach every probe family, consume the shared ring buffer,
// write records through the capture writer, and end cleanly with a trailer.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { release } from 'node:os';
import { ThreadedCaptureWriter, type BodyKind, type Probe } from '../format/index.js';
import { openLibbpf, nativeView, type Libbpf, type Ptr } from './libbpf.js';
import { Clock, ShortRecord, type DecodeContext } from './decode.js';
import { event_head as H, secrec_config as CFG } from './layout.gen.js';
import { FAMILIES, type ProbeFamily } from './probes/index.js';
import type { Decoder, Program } from './probes/types.js';
import { ensureTracefs, hostHeader, monoNow, processSnapshot, readClocks, unmountTracefs } from './host.js';
import { openOutput, type Output } from './output.js';
import { CAPS, type RecorderSettings } from './settings.js';

export const RECORDER_VERSION = '0.1.0';

/** Exit codes of secrec (documented in the README). */
export const EXIT = { ok: 0, error: 1, usage: 2, environment: 3, output: 4, nothingAttached: 5 } as const;

export class SetupError extends Error {
  constructor(message: string, readonly exitCode: number) { super(message); this.name = 'SetupError'; }
}

interface Loaded {
  family: ProbeFamily;
  obj: Ptr | null;
  links: Ptr[];
  dropsMap: Ptr | null;
  lostSoFar: number;
  probe: Probe;
}

export interface Summary {
  reason: string;
  clean: boolean;
  records: number;
  counts: Map<BodyKind, number>;
  lost: number;
  bytes: number;
  frames: number;
  chain: string;
  seconds: number;
  malformed: number;
}

const BUDGET_STOP = -125; // returned by the ring callback to make ring_buffer__poll return

export class Recorder {
  private lib!: Libbpf;
  private readonly loaded: Loaded[] = [];
  private ring: Ptr | null = null;
  private out!: Output;
  private writer!: ThreadedCaptureWriter;
  private clock!: Clock;
  private decoders = new Map<number, Decoder>();
  private dctx!: DecodeContext;
  private ringBase: bigint | null = null;
  private ringView: Buffer | null = null;
  private ringSpan = 0;
  private budget = 0;
  private stopReason: string | null = null;
  private clean = true;
  private mountedTracefs: string | null = null;
  private lost = 0;
  private malformed = 0;
  private events = 0;
  private startedAt = 0;
  private writeFailed = false;

  constructor(private readonly s: RecorderSettings, private readonly log: (msg: string) => void) {}

  /** Checks the host, opens the output, loads and attaches the probes, writes the header. */
  setup(): void {
    checkEnvironment(this.s);
    this.lib = openLibbpf();
    if (!this.s.verbose) this.lib.silence();
    this.mountedTracefs = ensureTracefs();
    if (this.mountedTracefs) this.log(`mounted tracefs on ${this.mountedTracefs} (unmounted at exit)`);
    this.out = openOutput(this.s.output, this.s.force);
    try {
      for (const family of FAMILIES) this.loaded.push(this.loadFamily(family));
      const attached = this.loaded.filter((l) => l.probe.attached);
      if (!attached.length || this.ring === null) {
        throw new SetupError(`no probe could be attached:\n${this.loaded.map((l) => `  ${l.family.name}: ${l.probe.reason}`).join('\n')}`, EXIT.nothingAttached);
      }
    } catch (e) {
      this.teardownKernel();
      this.out.close();
      throw e;
    }
    const clocks = readClocks();
    this.clock = new Clock(clocks.monoNs);
    this.dctx = { clock: this.clock, maxArgs: this.s.maxArgs, argBytes: this.s.argBytes };
    this.writer = new ThreadedCaptureWriter(this.out.fd, { frameBytes: this.s.frameBytes, flushAfterMs: this.s.flushMs, onError: (e) => this.writeError(e) });
    this.writer.start({
      ...hostHeader(clocks),
      recorderVersion: RECORDER_VERSION,
      argv: this.s.argv,
      probes: this.loaded.map((l) => l.probe),
      settings: {
        maxArgs: this.s.maxArgs, argBytes: this.s.argBytes, writeBytes: this.s.writeBytes,
        pathBytes: this.s.pathBytes, readlineBytes: this.s.readlineBytes, stdio: this.s.stdio,
        ringBytes: this.s.ringBytes,
      },
    });
    for (const rec of processSnapshot(clocks.monoNs, process.pid)) this.writer.add(rec, 'process');
    this.writer.flush();
    for (const l of this.loaded) {
      this.log(l.probe.attached ? `attached ${l.family.name}: ${l.probe.targets?.join(', ')}` : `skipped ${l.family.name}: ${l.probe.reason}`);
    }
  }

  stop(reason: string): void { if (this.stopReason === null) this.stopReason = reason; }

  /** Consumes events until stop() or a limit; then drains, writes the trailer and closes. */
  async run(status?: (s: { events: number; bytes: number; lost: number; seconds: number }) => void): Promise<Summary> {
    this.startedAt = Date.now();
    let lastTick = this.startedAt;
    while (this.stopReason === null) {
      this.budget = 65536;
      this.lib.ringPoll(this.ring!, 100);
      const now = Date.now();
      if (now - lastTick >= 1000) {
        lastTick = now;
        this.collectLost();
        status?.({ events: this.events, bytes: this.writer.bytesWritten, lost: this.lost, seconds: (now - this.startedAt) / 1000 });
      }
      this.writer.maybeFlush(now);
      if (this.s.durationMs > 0 && now - this.startedAt >= this.s.durationMs) this.stop('duration');
      if (this.s.maxSize > 0 && this.writer.bytesWritten >= this.s.maxSize) this.stop('max-size');
      await new Promise((r) => setImmediate(r));
    }
    return this.finish();
  }

  private finish(): Summary {
    // Stop producing first, then take what the ring still holds.
    for (const l of this.loaded) { for (const k of l.links) this.lib.destroyLink(k); l.links = []; }
    for (let i = 0; i < 1000; i++) { this.budget = 1 << 30; if (this.lib.ringConsume(this.ring!) <= 0) break; }
    this.collectLost();
    const reason = this.stopReason ?? 'unknown';
    const ts = this.clock.rel(monoBuf(), 0);
    const chain = this.writer.finish({ clean: this.clean && !this.writeFailed, reason, lost: this.lost, ts }).toString('hex');
    this.out.close();
    this.teardownKernel();
    return {
      reason, clean: this.clean && !this.writeFailed, records: this.writer.records, counts: this.writer.counts,
      lost: this.lost, bytes: this.writer.bytesWritten, frames: this.writer.frames, chain,
      seconds: (Date.now() - this.startedAt) / 1000, malformed: this.malformed,
    };
  }

  private teardownKernel(): void {
    if (this.ring !== null) { this.lib.ringFree(this.ring); this.ring = null; }
    for (const l of this.loaded) {
      for (const k of l.links) this.lib.destroyLink(k);
      if (l.obj !== null) this.lib.close(l.obj);
      l.links = [];
      l.obj = null;
    }
    if (this.mountedTracefs) { unmountTracefs(this.mountedTracefs); this.mountedTracefs = null; }
  }

  private writeError(e: NodeJS.ErrnoException): void {
    this.writeFailed = true;
    this.stop(e.code === 'ENOSPC' ? 'disk full' : e.code === 'EPIPE' ? 'output closed (EPIPE)' : `write error: ${e.message}`);
    this.log(`cannot write ${this.out.name}: ${e.message}; stopping (every complete frame so far is readable)`);
  }

  private loadFamily(family: ProbeFamily): Loaded {
    const l: Loaded = { family, obj: null, links: [], dropsMap: null, lostSoFar: 0, probe: { name: family.name, attached: false, reason: '', targets: [] } };
    if (!this.s.probes.includes(family.name)) { l.probe.reason = 'not selected (--probes / --no-' + family.name + ')'; return l; }
    const why = family.unavailable?.(this.s);
    if (why) { l.probe.reason = why; return l; }
    const lib = this.lib;
    try {
      l.obj = lib.openFile(join(this.s.objDir, family.object));
      let eventsMap: Ptr | null = null;
      for (const m of lib.maps(l.obj)) {
        if (m.name === 'events') {
          eventsMap = m.ptr;
          if (this.ring === null) lib.setMaxEntries(m.ptr, this.s.ringBytes);
          else lib.reuseFd(m.ptr, this.eventsFd!);
        } else if (m.name === 'scratch') {
          lib.setMaxEntries(m.ptr, lib.possibleCpus());
        } else if (m.name === 'drops') {
          l.dropsMap = m.ptr;
        } else if (m.name.endsWith('.rodata')) {
          lib.setInitialValue(m.ptr, this.config(lib.initialValue(m.ptr), lib.valueSize(m.ptr)));
        }
      }
      const progs: Program[] = lib.programs(l.obj);
      const off: string[] = [];
      for (const p of progs) {
        if (family.autoload && !family.autoload(p, this.s)) { lib.setAutoload(p.ptr, false); off.push(p.section); }
      }
      lib.load(l.obj);
      const loaded = progs.filter((p) => !off.includes(p.section));
      const res = family.attach ? family.attach(lib, loaded, this.s) : attachAll(lib, loaded);
      l.links = res.links;
      l.probe.targets = res.targets;
      if (off.length) res.failures.push(...off.map((s) => `${s}: not on this kernel`));
      l.probe.attached = res.links.length > 0;
      l.probe.reason = res.failures.join('; ');
      if (!l.probe.attached && !l.probe.reason) l.probe.reason = 'nothing to attach to';
      if (l.probe.attached && this.ring === null && eventsMap !== null) {
        this.eventsFd = lib.mapFd(eventsMap);
        this.ring = lib.ringNew(this.eventsFd, (_ctx, data, size) => this.onSample(data, size));
      }
      for (const [kind, dec] of Object.entries(family.decoders)) this.decoders.set(Number(kind), dec);
    } catch (e) {
      l.probe.attached = false;
      l.probe.reason = `${(e as Error).message}${this.s.verbose ? '' : ' (run with --verbose for libbpf\'s log)'}`;
      for (const k of l.links) lib.destroyLink(k);
      l.links = [];
      if (l.obj !== null) { lib.close(l.obj); l.obj = null; }
    }
    return l;
  }

  private eventsFd: number | null = null;

  private config(initial: Buffer | null, size: number): Buffer {
    const b = Buffer.alloc(Math.max(size, CFG.$size));
    initial?.copy(b);
    const s = this.s;
    b.writeUInt32LE(process.pid, CFG.self_tgid);
    b.writeUInt32LE(CAPS.argBytesTotal, CFG.arg_bytes);
    b.writeUInt32LE(Math.min(s.writeBytes, CAPS.writeBytes), CFG.write_bytes);
    b.writeUInt32LE(Math.min(s.pathBytes, CAPS.pathBytes), CFG.path_bytes);
    b.writeUInt32LE(Math.min(s.readlineBytes, CAPS.readlineBytes), CFG.readline_bytes);
    b.writeUInt32LE(s.stdio ? 1 : 0, CFG.stdio);
    b.writeUInt32LE(Math.min(s.dirDepth, CAPS.dirDepth), CFG.dir_depth);
    b.writeUInt32LE(Math.min(s.maxArgs + 1, CAPS.maxArgs), CFG.max_args);
    return b.subarray(0, size);
  }

  /** The ring callback. Records are read in place: the data area is mapped twice back to back,
   * so a record is contiguous; one view of it is made on the first call (at ring offset 0). */
  private onSample(data: bigint, size: number): number {
    let buf: Buffer;
    let off: number;
    if (this.ringBase === null) {
      const base = data - 8n;
      if ((base & 4095n) === 0n) {
        this.ringBase = base;
        this.ringSpan = 2 * this.s.ringBytes;
        this.ringView = nativeView(base, this.ringSpan);
      } else {
        this.ringBase = -1n;
      }
    }
    const rel = this.ringBase >= 0n ? Number(data - this.ringBase) : -1;
    if (rel >= 0 && rel + size <= this.ringSpan) {
      buf = this.ringView!;
      off = rel;
    } else {
      buf = Buffer.from(nativeView(data, size));
      off = 0;
    }
    this.events++;
    try {
      if (size < H.$size) throw new ShortRecord(`record of ${size} bytes is shorter than its head`);
      const dec = this.decoders.get(buf.readUInt16LE(off + H.kind));
      if (!dec) throw new ShortRecord(`unknown record kind ${buf.readUInt16LE(off + H.kind)}`);
      const { rec, kind } = dec(buf, off, size, this.dctx);
      this.writer.add(rec, kind);
    } catch (e) {
      if (!(e instanceof ShortRecord)) throw e;
      this.malformed++;
      if (this.malformed <= 5) this.log(`malformed kernel record: ${e.message}`);
    }
    return --this.budget > 0 ? 0 : BUDGET_STOP;
  }

  private collectLost(): void {
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
        this.writer.add({ ts: this.clock.rel(monoBuf(), 0), lost: { probe: l.family.name, count: delta } }, 'lost');
      }
    }
  }
}

function monoBuf(): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(monoNow());
  return b;
}

function attachAll(lib: Libbpf, progs: Program[]) {
  const res = { links: [] as Ptr[], targets: [] as string[], failures: [] as string[] };
  for (const p of progs) {
    try { res.links.push(lib.attach(p.ptr)); res.targets.push(p.section); }
    catch (e) { res.failures.push(`${p.section}: ${(e as Error).message}`); }
  }
  return res;
}

/** Refuses to start, with the fix, when this host cannot record. */
export function checkEnvironment(s: RecorderSettings): void {
  if (process.getuid?.() !== 0) throw new SetupError('secrec must run as root (it loads BPF programs): sudo secrec ...', EXIT.environment);
  if (!existsSync('/sys/kernel/btf/vmlinux')) {
    throw new SetupError('this kernel has no BTF (/sys/kernel/btf/vmlinux): secrec needs a kernel built with CONFIG_DEBUG_INFO_BTF=y', EXIT.environment);
  }
  const m = /^(\d+)\.(\d+)/.exec(release());
  const [maj, min] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (maj < 5 || (maj === 5 && min < 8)) throw new SetupError(`kernel ${maj}.${min} is too old: secrec needs Linux 5.8 or later (BPF ring buffer)`, EXIT.environment);
  const missing = FAMILIES.filter((f) => s.probes.includes(f.name) && !existsSync(join(s.objDir, f.object)));
  if (missing.length) {
    throw new SetupError(`BPF objects not built (${missing.map((f) => f.object).join(', ')} missing in ${s.objDir}): run npm run build:bpf`, EXIT.environment);
  }
}

