// The fork kind (analyzer/kinds/fork.ts): its row.
import { describe, expect, it } from 'vitest';
import { HEAD, rowIn } from './kit.js';

describe('fork kind', () => {
  it('a forks row: the child, and whether it is a thread', () => {
    expect(rowIn('forks', { ...HEAD, fork: { childPid: 701, childTid: 701 } })).toMatchObject({ child_pid: 701, child_tid: 701, thread: false });
    expect(rowIn('forks', { ...HEAD, fork: { childPid: 700, childTid: 702, thread: true } })).toMatchObject({ child_tid: 702, thread: true, child_process: null });
  });
});
