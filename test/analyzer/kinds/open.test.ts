// The open kind (analyzer/kinds/open.ts): its row.
import { describe, expect, it } from 'vitest';
import { b, HEAD, rowIn } from './kit.js';

describe('open kind', () => {
  it('an opens row: path, directory, result and its errno name', () => {
    expect(rowIn('opens', { ...HEAD, open: { path: b('nofile'), dir: b('/tmp'), ret: -2, dirfd: -100, flags: 0 } }))
      .toMatchObject({ path_text: 'nofile', dir_text: '/tmp', ret: -2, errno: 'ENOENT', dirfd: -100 });
    expect(rowIn('opens', { ...HEAD, open: { path: b('/etc/shadow'), ret: 3 } })).toMatchObject({ path_text: '/etc/shadow', ret: 3, errno: null });
  });
});
