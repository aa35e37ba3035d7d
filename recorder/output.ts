// Where the capture goes, safely: a file created new (O_EXCL|O_NOFOLLOW, mode 0600) or stdout.
import { closeSync, constants as C, fsyncSync, lstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';

export class OutputError extends Error {
  constructor(message: string, readonly exitCode: number) { super(message); this.name = 'OutputError'; }
}

export interface Output {
  fd: number;
  name: string;
  write(b: Buffer): void;
  close(): void;
}

export function openOutput(path: string, force: boolean): Output {
  if (path === '-') {
    if (isatty(1)) throw new OutputError('refusing to write a binary capture to a terminal: redirect stdout or use -o FILE', 2);
    return { fd: 1, name: '<stdout>', write: (b) => writeAll(1, b), close: () => {} };
  }
  if (force) {
    let st;
    try { st = lstatSync(path); } catch { st = null; }
    if (st) {
      // Only a regular file is replaced; unlink never follows a symlink, so a link planted in
      // its place is removed rather than written through.
      if (!st.isFile() && !st.isSymbolicLink()) throw new OutputError(`${path} exists and is not a regular file; not replacing it`, 4);
      unlinkSync(path);
    }
  }
  let fd: number;
  try {
    fd = openSync(path, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new OutputError(`${path} already exists: choose another name or pass --force to replace it`, 4);
    if (code === 'ELOOP') throw new OutputError(`${path} is a symbolic link: not following it`, 4);
    throw new OutputError(`cannot create ${path}: ${(e as Error).message}`, 4);
  }
  return {
    fd, name: path,
    write: (b) => writeAll(fd, b),
    close: () => { try { fsyncSync(fd); } catch { /* a pipe or full disk */ } closeSync(fd); },
  };
}

/** Writes all of b, waiting out EAGAIN on a non-blocking pipe. Throws on any other error. */
function writeAll(fd: number, b: Buffer): void {
  let off = 0;
  while (off < b.length) {
    try {
      off += writeSync(fd, b, off, b.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  }
}
