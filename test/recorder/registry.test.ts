// The kind registry holds together: every BPF source is a family, every event_kind has exactly one
// decoder (in the family of the lane its program writes to), and every body kind of capture.proto
// is produced by a decoder or by the recorder itself. A kind added in one place and forgotten in
// another fails here (CONTRIBUTING.md, "add an event kind").
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { BODY_KINDS, type BodyKind } from '../../format/index.js';
import { FAMILIES, FAMILY_NAMES } from '../../recorder/probes/index.js';
import { K, MAKERS, ctx } from './records.js';

/** Bodies the recorder writes itself, not decoded from a kernel record. */
const RECORDER_MADE: readonly BodyKind[] = ['header', 'trailer', 'process', 'lost', 'malformed'];

describe('kind registry', () => {
  it('every bpf/*.bpf.c is one family, with the lane its LANE says', () => {
    const sources = readdirSync('bpf').filter((f) => f.endsWith('.bpf.c')).sort();
    expect(FAMILIES.map((f) => f.object.replace(/\.o$/, '.c')).sort()).toEqual(sources);
    for (const f of FAMILIES) {
      const lane = /^#define LANE (\w+)/m.exec(readFileSync(`bpf/${f.object.replace(/\.o$/, '.c')}`, 'utf8'))?.[1];
      expect(lane, f.name).toBe(f.lane);
    }
    expect(new Set(FAMILY_NAMES).size).toBe(FAMILIES.length);
  });

  it('every event_kind has exactly one decoder, and no decoder has an unknown kind', () => {
    const decoded = FAMILIES.flatMap((f) => Object.keys(f.decoders).map(Number));
    expect([...decoded].sort((a, b) => a - b)).toEqual(Object.values(K).sort((a, b) => a - b));
    for (const f of FAMILIES) for (const k of Object.keys(f.encoders ?? {})) expect(f.decoders[Number(k)], `${f.name} encoder ${k}`).toBeDefined();
  });

  it('every body kind of capture.proto comes from a decoder or from the recorder', () => {
    const produced = new Set<BodyKind>(RECORDER_MADE);
    for (const f of FAMILIES) {
      for (const [k, dec] of Object.entries(f.decoders)) {
        const r = MAKERS[Number(k)]!();
        produced.add(dec(r, 0, r.length, ctx).kind);
      }
    }
    expect([...produced].sort()).toEqual([...BODY_KINDS].sort());
  });
});
