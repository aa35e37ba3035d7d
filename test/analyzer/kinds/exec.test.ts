// The exec kind (analyzer/kinds/exec.ts): its row.
import { describe, expect, it } from 'vitest';
import { pb } from '../../../format/index.js';
import { b, HEAD, rowIn } from './kit.js';

describe('exec kind', () => {
  it('an execs row: file, argv as text, count, result and source', () => {
    expect(rowIn('execs', { ...HEAD, exec: { filename: b('/usr/bin/id'), argv: [b('id'), b('-u')], argc: 2, source: pb.ExecSource.EXEC_SOURCE_SCHED, ino: '42' } }))
      .toMatchObject({ filename_text: '/usr/bin/id', argv_text: ['id', '-u'], argc: 2, ret: 0, errno: null, source: 'sched', ino: '42' });
    expect(rowIn('execs', { ...HEAD, exec: { filename: b('/tmp/x'), ret: -13, source: pb.ExecSource.EXEC_SOURCE_SYS_EXIT } }))
      .toMatchObject({ filename_text: '/tmp/x', ret: -13, errno: 'EACCES', source: 'sys_exit' });
  });
});
