// The exit kind (analyzer/kinds/exit.ts): its row.
import { describe, expect, it } from 'vitest';
import { HEAD, rowIn } from './kit.js';

describe('exit kind', () => {
  it('an exits row: status, signal and core', () => {
    expect(rowIn('exits', { ...HEAD, exit: { code: 3 } })).toMatchObject({ code: 3, signal: 0, core_dumped: false });
    expect(rowIn('exits', { ...HEAD, exit: { signal: 11, coreDumped: true } })).toMatchObject({ code: 0, signal: 11, core_dumped: true });
  });
});
