// Every probe family: one module each in this folder, listed by scripts/gen-index.mjs
// (index.gen.ts), in the order of their first event kind in bpf/events.h (new kinds come last).
import { FAMILY_MODULES } from './index.gen.js';
import type { ProbeFamily } from './types.js';

const first = (f: ProbeFamily): number => Math.min(...Object.keys(f.decoders).map(Number));
export const FAMILIES: readonly ProbeFamily[] = [...FAMILY_MODULES].sort((a, b) => first(a) - first(b));
export const FAMILY_NAMES = FAMILIES.map((f) => f.name);
export { offFlag, type ProbeFamily } from './types.js';
