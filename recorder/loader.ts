// Loading the probe families and wiring their maps: the two lane rings are created once, here,
// and every object reuses them; each object gets the settings in .rodata (config.ts), loses the
// programs this kernel lacks, is loaded (the verifier runs in a libuv worker thread, so objects
// load in parallel and a signal is noticed between them), and is attached.
import { join } from 'node:path';
import type { Libbpf, Ptr } from './libbpf.js';
import type { Probe } from '../format/index.js';
import type { AttachResult, Lane, Program, ProbeFamily } from './probes/types.js';
import { MappedMap } from './ring.js';
import type { RecorderSettings } from './settings.js';

export interface Loaded {
  family: ProbeFamily;
  obj: Ptr | null;
  links: Ptr[];
  dropsMap: Ptr | null;
  /** A bulk-lane object's flush_batch program (bpf/common.bpf.h): run on a CPU, never attached. */
  flush: Ptr | null;
  /** Its per-CPU batches, mapped read-only: word 0 of CPU i's value is the bytes it holds. */
  batches: { map: MappedMap; stride: number } | null;
  lostSoFar: number;
  probe: Probe;
}

export interface LaneFds { prio: number; bulk: number }

/** The program every bulk-lane object has that hands a CPU's batch to the ring. */
export const FLUSH_PROGRAM = 'flush_batch';

/** Hands the pending batch of each bulk-lane object to the ring, on every CPU that holds one.
 * Returns how many CPUs were busy building a record (their batch is left for the next call); a
 * CPU the call fails on is reported to onError and counted as busy, so the end tries it again. */
export function flushBatches(lib: Libbpf, loaded: readonly Loaded[], onError: (msg: string) => void): number {
  let busy = 0;
  const ncpu = lib.possibleCpus();
  for (const l of loaded) {
    if (l.flush === null || l.obj === null || l.batches === null) continue;
    const { map, stride } = l.batches;
    for (let cpu = 0; cpu < ncpu; cpu++) {
      if (map.u32[(cpu * stride) >> 2] === 0) continue;
      try {
        if (lib.runOnCpu(l.flush, cpu) === 1) busy++;
      } catch (e) {
        busy++;
        onError(`${l.family.name}: ${(e as Error).message}`);
      }
    }
  }
  return busy;
}

/** The two lane rings every object shares (bpf/common.bpf.h). */
export function createLanes(lib: Libbpf, s: RecorderSettings): LaneFds {
  return { prio: lib.createRing('prio', s.prioRingBytes), bulk: lib.createRing('bulk', s.ringBytes) };
}

/** Loads the families concurrently; once `stopped()` gives a reason, no new load starts. */
export async function loadFamilies(lib: Libbpf, families: readonly ProbeFamily[], s: RecorderSettings, lanes: LaneFds,
  config: (initial: Buffer | null, size: number) => Buffer, stopped: () => string | null): Promise<Loaded[]> {
  return Promise.all(families.map(async (family) => {
    await new Promise((r) => setImmediate(r));
    const why = stopped();
    if (why !== null) return { family, obj: null, links: [], dropsMap: null, flush: null, batches: null, lostSoFar: 0, probe: { name: family.name, attached: false, reason: `not loaded: ${why} during set-up`, targets: [] } } satisfies Loaded;
    return loadFamily(lib, family, s, lanes, config);
  }));
}

function attachAll(lib: Libbpf, progs: Program[]): AttachResult {
  const res: AttachResult = { links: [], targets: [], failures: [] };
  for (const p of progs) {
    try { res.links.push(lib.attach(p.ptr)); res.targets.push(p.section); }
    catch (e) { res.failures.push(`${p.section}: ${(e as Error).message}`); }
  }
  return res;
}

/** Opens, configures, loads and attaches one family; failures become the probe's reason. */
export async function loadFamily(lib: Libbpf, family: ProbeFamily, s: RecorderSettings, lanes: LaneFds, config: (initial: Buffer | null, size: number) => Buffer): Promise<Loaded> {
  const l: Loaded = { family, obj: null, links: [], dropsMap: null, flush: null, batches: null, lostSoFar: 0, probe: { name: family.name, attached: false, reason: '', targets: [] } };
  if (!s.probes.includes(family.name)) { l.probe.reason = `not selected (--probes / --no-${family.name})`; return l; }
  const why = family.unavailable?.(s);
  if (why) { l.probe.reason = why; return l; }
  try {
    l.obj = lib.openFile(join(s.objDir, family.object));
    for (const m of lib.maps(l.obj)) {
      if (m.name === 'prio' || m.name === 'bulk') lib.reuseFd(m.ptr, lanes[m.name as Lane]);
      else if (m.name === 'scratch' || m.name === 'batch') lib.setMaxEntries(m.ptr, lib.possibleCpus());
      else if (m.name === 'drops') l.dropsMap = m.ptr;
      else if (m.name.endsWith('.rodata')) lib.setInitialValue(m.ptr, config(lib.initialValue(m.ptr), lib.valueSize(m.ptr)));
    }
    const progs = lib.programs(l.obj);
    const off: string[] = [];
    for (const p of progs) {
      if (family.autoload && !family.autoload(p, s)) { lib.setAutoload(p.ptr, false); off.push(p.section); }
    }
    await lib.loadAsync(l.obj);
    l.flush = progs.find((p) => p.name === FLUSH_PROGRAM)?.ptr ?? null;
    if (l.flush !== null) {
      const m = lib.maps(l.obj).find((x) => x.name === 'batch');
      if (!m) throw new Error(`${family.object}: ${FLUSH_PROGRAM} without its batch map`);
      const stride = (lib.valueSize(m.ptr) + 7) & ~7;
      l.batches = { map: new MappedMap(lib.mapFd(m.ptr), stride * lib.possibleCpus(), 'batch'), stride };
    }
    const loaded = progs.filter((p) => !off.includes(p.section) && p.name !== FLUSH_PROGRAM);
    const res = family.attach ? family.attach(lib, loaded, s) : attachAll(lib, loaded);
    l.links = res.links;
    l.probe.targets = res.targets;
    if (off.length) res.failures.push(...off.map((x) => `${x}: not on this kernel`));
    l.probe.attached = res.links.length > 0;
    l.probe.reason = res.failures.join('; ');
    if (!l.probe.attached && !l.probe.reason) l.probe.reason = 'nothing to attach to';
  } catch (e) {
    l.probe.attached = false;
    l.probe.reason = `${(e as Error).message}${s.verbose ? '' : " (run with --verbose for libbpf's log)"}`;
    for (const k of l.links) lib.destroyLink(k);
    l.links = [];
    if (l.obj !== null) { lib.close(l.obj); l.obj = null; }
    l.flush = null;
    l.batches?.map.close();
    l.batches = null;
  }
  return l;
}
