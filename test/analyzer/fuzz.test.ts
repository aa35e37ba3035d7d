// The CI share of bench/fuzz: about 30 s of seeded mutations through every view's record path,
// then 100 random byte sessions replayed by bash. A hang is a timeout here, since the run is a
// child process. The longer run is `node dist/bench/fuzz.js --seconds 600 --seed N`.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';

describe('hostile-input fuzzing (issue 15)', () => {
  it('mutated captures give only typed issues, no hang, bounded RSS; replays are exact', () => {
    const r = spawnSync('node', ['dist/bench/fuzz.js', '--seed', '15', '--seconds', '30', '--replays', '100', '--rss-mb', '1024'], { encoding: 'utf8', timeout: 150_000 });
    expect(r.signal, `killed: a case hung (last progress: ${r.stderr.trim().split('\n').pop()})`).toBeNull();
    expect(r.stdout.trim(), `no summary from the fuzzer: ${r.stderr.slice(-2000)}`).not.toBe('');
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(summary.failures).toEqual([]);
    expect(summary.replayFailures).toEqual([]);
    expect(summary.castFailures).toEqual([]);
    expect(summary.cases).toBeGreaterThan(20);
    expect(summary.replays).toBe(100);
    expect(summary.peakRssMB).toBeLessThan(1024);
    expect(r.status).toBe(0);
  }, 180_000);
});
