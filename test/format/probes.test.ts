// format/probes.ts: a renamed probe family's former name reads as the family's name now.
import { describe, expect, it } from 'vitest';
import { FORMER_PROBE_NAMES, probeName } from '../../format/index.js';
import { FAMILY_NAMES } from '../../recorder/probes/index.js';

describe('probe names', () => {
  it('a former name reads as the family it became; a current name reads as itself', () => {
    expect(probeName('eperm')).toBe('syscall_error');
    for (const name of FAMILY_NAMES) expect(probeName(name)).toBe(name);
  });

  it('every former name leads to a family of the recorder and is no family\'s name now', () => {
    for (const [former, name] of Object.entries(FORMER_PROBE_NAMES)) {
      expect(FAMILY_NAMES).toContain(name);
      expect(FAMILY_NAMES).not.toContain(former);
    }
  });
});
