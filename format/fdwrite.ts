// Writing a whole buffer to a file descriptor that may be a non-blocking pipe.
import { writeSync } from 'node:fs';

const nap = new Int32Array(new SharedArrayBuffer(4));

/** Writes all of b, waiting out EAGAIN on a non-blocking pipe; returns how much got out. A pipe's
 * reader empties its 64 KiB in microseconds, so the wait starts at 50 µs and doubles to 2 ms while
 * nothing gets out. */
export function writeFully(fd: number, b: Uint8Array): { written: number; error: NodeJS.ErrnoException | null } {
  let off = 0;
  let wait = 0.05;
  while (off < b.length) {
    try {
      off += writeSync(fd, b, off, b.length - off);
      wait = 0.05;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'EAGAIN') return { written: off, error: err };
      Atomics.wait(nap, 0, 0, wait);
      wait = Math.min(2, wait * 2);
    }
  }
  return { written: off, error: null };
}
