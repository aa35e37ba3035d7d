// The tty write kind (analyzer/kinds/tty_write.ts): its row.
import { describe, expect, it } from 'vitest';
import { b, HEAD, rowIn } from './kit.js';

describe('tty write kind', () => {
  it('a tty_writes row: the bytes written, their true length, fd and terminal', () => {
    expect(rowIn('tty_writes', { ...HEAD, ttyWrite: { rdev: (136 << 20) | 3, fd: 1, data: b('uid=0(root)\r\n'), len: 13, isTty: true, rows: 24, cols: 80 } }))
      .toMatchObject({ fd: 1, data_text: 'uid=0(root)\r\n', len: 13, is_tty: true, rows: 24, cols: 80, cut: false });
  });
});
