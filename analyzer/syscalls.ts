// Syscall names by the capture's architecture and ABI.
import { x86_64, i386, aarch64 } from './syscalls.gen.js';

const NATIVE: Record<string, readonly (string | undefined)[]> = { x86_64, amd64: x86_64, aarch64, arm64: aarch64 };
const COMPAT: Record<string, readonly (string | undefined)[]> = { x86_64: i386, amd64: i386 };

export function syscallName(arch: string, nr: number, compat = false): string {
  const t = compat ? COMPAT[arch] : NATIVE[arch];
  const name = t?.[nr];
  return name ?? `${compat ? 'compat_' : ''}syscall_${nr}`;
}

const ERRNO: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 4: 'EINTR', 5: 'EIO', 6: 'ENXIO', 7: 'E2BIG', 8: 'ENOEXEC', 9: 'EBADF',
  10: 'ECHILD', 11: 'EAGAIN', 12: 'ENOMEM', 13: 'EACCES', 14: 'EFAULT', 16: 'EBUSY', 17: 'EEXIST', 18: 'EXDEV',
  19: 'ENODEV', 20: 'ENOTDIR', 21: 'EISDIR', 22: 'EINVAL', 23: 'ENFILE', 24: 'EMFILE', 25: 'ENOTTY', 26: 'ETXTBSY',
  27: 'EFBIG', 28: 'ENOSPC', 30: 'EROFS', 31: 'EMLINK', 36: 'ENAMETOOLONG', 40: 'ELOOP', 95: 'EOPNOTSUPP', 122: 'EDQUOT',
};

export function errnoName(e: number): string { return ERRNO[Math.abs(e)] ?? `E${Math.abs(e)}`; }
