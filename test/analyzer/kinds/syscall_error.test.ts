// The syscall error kind (analyzer/kinds/syscall_error.ts): its row, names from the capture's arch.
import { describe, expect, it } from 'vitest';
import { pb } from '../../../format/index.js';
import { HEAD, rowIn } from './kit.js';

describe('syscall error kind', () => {
  it('a syscall_errors row: number and name, ABI, errno and its name', () => {
    expect(rowIn('syscall_errors', { ...HEAD, syscallError: { nr: 257, errno: 13 } }))
      .toMatchObject({ nr: 257, syscall: 'openat', abi: 'native', errno: 13, errno_name: 'EACCES' });
    expect(rowIn('syscall_errors', { ...HEAD, syscallError: { nr: 1, errno: 1, abi: pb.Abi.ABI_COMPAT } }))
      .toMatchObject({ nr: 1, abi: 'compat', errno: 1, errno_name: 'EPERM' });
  });
});
