// The start-up warm-up (recorder/warmup.ts): every family's sample records are well-formed, so the
// warm-up runs the paths real records take (not the Malformed one), and it leaves nothing behind.
import { describe, expect, it } from 'vitest';
import { FAMILIES } from '../../recorder/probes/index.js';
import { event_head as H } from '../../recorder/layout.gen.js';
import { warmUp } from '../../recorder/warmup.js';
import { START, RECORD_TS, ctx, reference, transcode } from './records.js';

describe('warm-up samples', () => {
  it('the records of ring() start 1 s after the clock', () => { expect(RECORD_TS).toBe(START + 1_000_000_000n); });

  for (const f of FAMILIES) {
    it(`${f.name}: every kind it decodes has a sample, and each one is well-formed`, () => {
      const samples = f.samples();
      const kinds = new Set(samples.map((s) => s.readUInt16LE(H.kind)));
      expect([...kinds].sort()).toEqual(Object.keys(f.decoders).map(Number).sort());
      const { out, malformed } = transcode(samples);
      expect(malformed).toBe(0);
      expect(out.map((r) => r.malformed ?? null).every((m) => m === null)).toBe(true);
      // the fast encoder, where the kind has one, and the reference decoder agree on it
      samples.forEach((s, i) => expect(out[i]!.toJSON()).toEqual(reference(s).toJSON()));
    });
  }

  it('runs every family through both lanes and reports the records it made', () => {
    const perRound = FAMILIES.reduce((n, f) => n + f.samples().length, 0);
    expect(warmUp(FAMILIES, ctx, 3)).toBe(3 * perRound);
  });
});
