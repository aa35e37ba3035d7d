// Where the capture goes, safely: a file created new (O_EXCL|O_NOFOLLOW, mode 0600) or stdout.
//
// The directory is reached one component at a time from "/", each opened O_DIRECTORY|O_NOFOLLOW
// relative to the fd of the one before (through /proc/self/fd/N/name, which the kernel resolves
// from that open directory, as openat would: Node has neither openat nor openat2). A symlink
// anywhere in the path is refused, so a link planted in a parent cannot redirect the capture, and
// the file is created and unlinked relative to the directory fd we checked, never by path again.
import { closeSync, constants as C, fstatSync, fsyncSync, lstatSync, openSync, readlinkSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { isatty } from 'node:tty';

export class OutputError extends Error {
  constructor(message: string, readonly exitCode: number) { super(message); this.name = 'OutputError'; }
}

/** Exit code for refused output (README, --help). */
export const OUTPUT_REFUSED = 4;

export interface Output {
  fd: number;
  name: string;
  write(b: Buffer): void;
  /** fsyncs and closes. */
  close(): void;
  /** Closes and removes the file again (only if the name still refers to it): for a setup that
   * failed before anything was written. A no-op for stdout. */
  discard(): void;
}

const refuse = (msg: string): OutputError => new OutputError(msg, OUTPUT_REFUSED);
const FORCE_TRIES = 5;

/** Opens the capture output. Needs nothing else of the recorder, so setup can call it first.
 * Throws OutputError (exit 4) for every refusal, with the reason. */
export function openOutput(path: string, force: boolean): Output {
  if (path === '-') {
    if (isatty(1)) throw refuse('refusing to write a binary capture to a terminal: redirect stdout or use -o FILE');
    return { fd: 1, name: '<stdout>', write: (b) => writeAll(1, b), close: () => {}, discard: () => {} };
  }
  let full: string;
  try { full = resolve(path); } catch (e) { throw refuse(`cannot resolve ${path}: ${(e as Error).message}`); }
  const cut = full.lastIndexOf('/');
  const dirPath = full.slice(0, cut) || '/';
  const base = full.slice(cut + 1);
  if (!base) throw refuse(`${path} names no file`);
  const dfd = openDirectory(dirPath);
  try {
    const dir = fstatSync(dfd);
    const shared = othersCanWrite(dir);
    // Sticky protects our file from everyone but the directory's owner, so the owner must be us.
    if (shared && !(dir.mode & 0o1000 && dir.uid === euid())) {
      throw refuse(`${dirPath} can be written by ${who(dir)}, who could remove or replace the capture: ` +
        `choose a directory only root can write (e.g. /root or /var/log), or a sticky one like /tmp`);
    }
    const fd = create(dfd, dirPath, base, path, force, shared);
    try { fsyncSync(dfd); } catch { /* the name is made durable on a best-effort basis */ }
    const at = `/proc/self/fd/${dfd}/${base}`;
    const ino = fstatSync(fd).ino;
    let open = true;
    const close = (): void => {
      if (!open) return;
      open = false;
      try { fsyncSync(fd); } catch { /* a full disk: every complete frame is already written */ }
      closeSync(fd);
      closeSync(dfd);
    };
    return {
      fd, name: path,
      write: (b) => writeAll(fd, b),
      close,
      discard: () => {
        if (!open) return;
        try { if (lstatSync(at).ino === ino) unlinkSync(at); } catch { /* already gone */ }
        close();
      },
    };
  } catch (e) {
    closeSync(dfd);
    throw e;
  }
}

/** Opens an absolute directory path component by component, refusing symlinks. */
function openDirectory(dirPath: string): number {
  let fd: number;
  try { fd = openSync('/', C.O_RDONLY | C.O_DIRECTORY); } catch (e) { throw refuse(`cannot open /: ${(e as Error).message}`); }
  let walked = '';
  for (const name of dirPath.split('/').filter(Boolean)) {
    const at = `/proc/self/fd/${fd}/${name}`;
    walked += `/${name}`;
    let next: number;
    try {
      next = openSync(at, C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      let why: string;
      // With O_DIRECTORY the kernel answers ENOTDIR for a symlink, so ask what it is.
      if (code === 'ELOOP' || (code === 'ENOTDIR' && lstatAt(at)?.isSymbolicLink())) {
        let to = '';
        try { to = ` (to ${readlinkSync(at)})`; } catch { /* gone again */ }
        why = `${walked} is a symbolic link${to}: secrec follows no link in the output path; give the real directory`;
      } else if (code === 'ENOTDIR') {
        why = `${walked} is not a directory`;
      } else if (code === 'ENOENT' && !existsProc()) {
        why = 'cannot resolve the output directory safely: /proc is not mounted';
      } else {
        why = `cannot open directory ${walked}: ${(e as Error).message.replace(at, walked)}`;
      }
      closeSync(fd);
      throw refuse(why);
    }
    closeSync(fd);
    fd = next;
  }
  return fd;
}

/** Creates base in the directory dfd (O_EXCL), replacing what is there first when forced. */
function create(dfd: number, dirPath: string, base: string, path: string, force: boolean, shared: boolean): number {
  const at = `/proc/self/fd/${dfd}/${base}`;
  for (let attempt = 0; attempt < FORCE_TRIES; attempt++) {
    if (force) {
      const st = lstatAt(at);
      if (st) {
        if (!st.isFile() && !st.isSymbolicLink()) throw refuse(`${path} exists and is ${kindOf(st)}; not replacing it`);
        if (shared && st.uid !== euid()) {
          throw refuse(`${path} belongs to uid ${st.uid} in the shared directory ${dirPath}: not replacing another user's file`);
        }
        // unlink never follows a symlink: a link planted in its place is removed, not written through.
        try { unlinkSync(at); } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw refuse(`cannot replace ${path}: ${msg(e, at, path)}`);
        }
      }
    }
    try {
      return openSync(at, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw refuse(`cannot create ${path}: ${msg(e, at, path)}`);
      if (!force) {
        const st = lstatAt(at);
        if (st?.isSymbolicLink()) {
          let to = '';
          try { to = ` (to ${readlinkSync(at)})`; } catch { /* gone again */ }
          throw refuse(`${path} is a symbolic link${to}: not following it (--force removes the link itself)`);
        }
        if (st && !st.isFile()) throw refuse(`${path} exists and is ${kindOf(st)}; not replacing it`);
        throw refuse(`${path} already exists: choose another name or pass --force to replace it`);
      }
      // Forced, and something took the name again between the unlink and the create: go round.
    }
  }
  throw refuse(`${path} keeps being re-created by another process while secrec replaces it; refusing`);
}

function lstatAt(at: string): Stats | null {
  try { return lstatSync(at); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw refuse(`cannot inspect ${at}: ${(e as Error).message}`);
  }
}

/** Can anyone but this process's user change entries in the directory? */
function othersCanWrite(st: Stats): boolean {
  if (st.uid !== euid()) return true;
  if (st.mode & 0o002) return true;
  return (st.mode & 0o020) !== 0 && st.gid !== 0;
}

function who(st: Stats): string {
  if (st.uid !== euid()) return `its owner (uid ${st.uid})`;
  return st.mode & 0o002 ? 'every user' : `group ${st.gid}`;
}

function kindOf(st: Stats): string {
  return st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket'
    : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'not a regular file';
}

const euid = (): number => process.geteuid?.() ?? 0;
const msg = (e: unknown, at: string, path: string): string => (e as Error).message.split(at).join(path);

function existsProc(): boolean {
  try { return lstatSync('/proc/self/fd').isDirectory(); } catch { return false; }
}

/** Writes all of b, waiting out EAGAIN on a non-blocking pipe. Throws on any other error. */
export function writeAll(fd: number, b: Uint8Array): void {
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
