// Small helpers the views share.
import type { ViewContext } from '../pipeline.js';
import { UsageError } from '../errors.js';

/** A user given as a name (of the recorded host) or a number. */
export function resolveUid(ctx: ViewContext, user: string): number {
  if (/^\d+$/.test(user)) return Number(user);
  for (const [uid, name] of ctx.users) if (name === user) return uid;
  throw new UsageError(`no user "${user}" on the recorded host (its /etc/passwd is in the capture header)`);
}

/** Kernel dev_t (major << 20 | minor) → "major:minor". */
export function devString(dev: number): string { return `${dev >>> 20}:${dev & 0xfffff}`; }

/** Terminal name of a kernel dev_t, as ttysnoop takes it: pts/3, tty1, ttyS0, tty, console. */
export function ttyName(rdev: number): string {
  const major = rdev >>> 20;
  const minor = rdev & 0xfffff;
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
  if (major === 4) return minor < 64 ? `tty${minor}` : `ttyS${minor - 64}`;
  if (major === 5) return minor === 0 ? 'tty' : minor === 1 ? 'console' : `5:${minor}`;
  return rdev ? devString(rdev) : '-';
}

/** Parses a ttysnoop device argument (/dev/pts/3, pts/3, 3, tty1, /dev/ttyS0) → its name. */
export function parseTty(arg: string): string {
  const s = arg.replace(/^\/dev\//, '').replace(/^pts(\d+)$/, 'pts/$1');
  return /^\d+$/.test(s) ? `pts/${s}` : s;
}
