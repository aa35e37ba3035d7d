// Loading the probe families and wiring their maps: the two lane rings are created once, here,
// and every object reuses them; each object gets the settings in .rodata (config.ts), loses the
// programs this kernel lacks, is loaded (the verifier runs in a libuv worker thread, so objects
// load in parallel and a signal is noticed between them), and is attached.
import { join } from 'node:path';
import type { Libbpf, Ptr } from './libbpf.js';
import type { Probe } from '../format/index.js';
import { offFlag, type AttachResult, type Lane, type Program, type ProbeFamily } from './probes/types.js';
import type { RecorderSettings } from './settings.js';

export interface Loaded {
  family: ProbeFamily;
  obj: Ptr | null;
  links: Ptr[];
  dropsMap: Ptr | null;
  lostSoFar: number;
  probe: Probe;
}

/** The rings every object shares (bpf/common.bpf.h): the two lanes, and the spill ring behind them. */
export type RingName = Lane | 'spill';
export type LaneFds = { [R in RingName]: number };

export function createLanes(lib: Libbpf, s: RecorderSettings): LaneFds {
  return { prio: lib.createRing('prio', s.prioRingBytes), bulk: lib.createRing('bulk', s.ringBytes), spill: lib.createRing('spill', s.spillRingBytes) };
}

/** Loads the families concurrently; once `stopped()` gives a reason, no new load starts. */
export async function loadFamilies(lib: Libbpf, families: readonly ProbeFamily[], s: RecorderSettings, lanes: LaneFds,
  config: (initial: Buffer | null, size: number) => Buffer, stopped: () => string | null): Promise<Loaded[]> {
  return Promise.all(families.map(async (family) => {
    await new Promise((r) => setImmediate(r));
    const why = stopped();
    if (why !== null) return { family, obj: null, links: [], dropsMap: null, lostSoFar: 0, probe: { name: family.name, attached: false, reason: `not loaded: ${why} during set-up`, targets: [] } } satisfies Loaded;
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
  const l: Loaded = { family, obj: null, links: [], dropsMap: null, lostSoFar: 0, probe: { name: family.name, attached: false, reason: '', targets: [] } };
  if (!s.probes.includes(family.name)) { l.probe.reason = `not selected (--probes / ${offFlag(family.name)})`; return l; }
  const why = family.unavailable?.(s);
  if (why) { l.probe.reason = why; return l; }
  try {
    l.obj = lib.openFile(join(s.objDir, family.object));
    for (const m of lib.maps(l.obj)) {
      if (m.name === 'prio' || m.name === 'bulk' || m.name === 'spill') lib.reuseFd(m.ptr, lanes[m.name as RingName]);
      else if (m.name === 'scratch') lib.setMaxEntries(m.ptr, lib.possibleCpus());
      else if (m.name === 'drops') l.dropsMap = m.ptr;
      else if (m.name.endsWith('.rodata')) lib.setInitialValue(m.ptr, config(lib.initialValue(m.ptr), lib.valueSize(m.ptr)));
    }
    const progs = lib.programs(l.obj);
    const off: string[] = [];
    for (const p of progs) {
      if (family.autoload && !family.autoload(p, s)) { lib.setAutoload(p.ptr, false); off.push(p.section); }
    }
    await lib.loadAsync(l.obj);
    const loaded = progs.filter((p) => !off.includes(p.section));
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
  }
  return l;
}
