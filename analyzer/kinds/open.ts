// File opens (bpf/open.bpf.c, recorder/probes/open.ts): the opens table and `secanalyze opens`
// (opensnoop, analyzer/views/opens.ts). The host timeline reads them itself: an open for writing
// marks a file that a later exec of it names.
import { bytes, c } from '../schema/column.js';
import { bytes as bytesOf, PROC } from '../schema/spec.js';
import { errnoName } from '../syscalls.js';
import { UsageError } from '../errors.js';
import { collect, int, positive } from '../command.js';
import { defineKind } from './types.js';

const BASE: [string, number][] = [
  ['O_WRONLY', 0o1], ['O_RDWR', 0o2], ['O_CREAT', 0o100], ['O_EXCL', 0o200], ['O_NOCTTY', 0o400], ['O_TRUNC', 0o1000],
  ['O_APPEND', 0o2000], ['O_NONBLOCK', 0o4000], ['O_DSYNC', 0o10000], ['O_NOATIME', 0o1000000], ['O_CLOEXEC', 0o2000000],
  ['O_SYNC', 0o4010000], ['O_PATH', 0o10000000], ['O_TMPFILE', 0o20000000],
];
const X86: [string, number][] = [['O_DIRECT', 0o40000], ['O_LARGEFILE', 0o100000], ['O_DIRECTORY', 0o200000], ['O_NOFOLLOW', 0o400000]];
const ARM: [string, number][] = [['O_DIRECTORY', 0o40000], ['O_NOFOLLOW', 0o100000], ['O_DIRECT', 0o200000], ['O_LARGEFILE', 0o400000]];

export function openFlags(arch: string): Map<string, number> {
  return new Map([['O_RDONLY', 0], ...BASE, ...(arch === 'aarch64' || arch === 'arm64' ? ARM : X86)]);
}

/** -f names → flag values, checked before any record is read (a usage error for O_BOGUS). */
export function parseOpenFlags(names: string[], arch = 'x86_64'): number[] {
  const table = openFlags(arch);
  return names.map((f) => {
    const v = table.get(f.toUpperCase().startsWith('O_') ? f.toUpperCase() : `O_${f.toUpperCase()}`);
    if (v === undefined) throw new UsageError(`unknown open flag ${f} (known: ${[...table.keys()].join(', ')})`);
    return v;
  });
}

export const kind = defineKind({
  body: 'open',
  probe: 'open',
  table: {
    name: 'opens',
    doc: 'One row per open/openat/openat2, successful or not.',
    columns: [
      ...bytes('path', 'path as passed by the caller'),
      ...bytes('dir', 'directory a relative path was resolved against (when recorded)'),
      c('ret', 'i32', '', 'file descriptor, or -errno'),
      c('errno', 'str', '', 'errno name of a failed open; null on success'),
      c('flags', 'u32', 'bit mask', 'open flags (O_*)'),
      c('mode', 'u32', 'octal bits', 'mode for O_CREAT'),
      c('dirfd', 'i32', '', 'directory fd; -100 is AT_FDCWD'),
      c('call', 'str', '', 'openat, open or openat2'),
      c('path_truncated', 'bool', '', 'the path was cut at the recorder\'s limit'),
      c('dir_truncated', 'bool', '', 'the directory was deeper than the recorder\'s walk limit'),
      c('resolve', 'i64', 'bit mask', 'openat2 how.resolve'),
    ],
  },
  fields: {
    cols: [
      ...bytesOf('path', 'x.path'), ...bytesOf('dir', 'x.dir'), ['ret', ['val', 'ret']], ['errno', ['val', 'ret < 0 ? H.errnoName(ret) : null']],
      ['flags', ['val', 'x.flags ?? 0']], ['mode', ['val', 'x.mode ?? 0']], ['dirfd', ['val', 'x.dirfd ?? 0']],
      ['call', ['val', 'H.OPEN_CALLS[x.call ?? 0] ?? String(x.call)']], ['path_truncated', ['val', '!!x.pathTruncated']],
      ['dir_truncated', ['val', '!!x.dirTruncated']], ['resolve', ['val', 'x.resolve ?? 0']],
    ],
    pre: `${PROC} const ret = x.ret ?? 0;`,
  },
  helpers: { errnoName, OPEN_CALLS: ['openat', 'open', 'openat2'] },
  timeline: null,
  view: null,
  commands: [{
    name: 'opens', legacy: '--opens', summary: 'opensnoop: file opens',
    options(c) {
      c.option('-T, --timestamp', 'include a TIME(s) column').option('-U, --print-uid', 'include a UID column')
        .option('-x, --failed', 'only failed opens').option('-p, --tgid <pid>', 'only this process', int('-p'))
        .option('-t, --tid <tid>', 'only this thread (and show a TID column)', int('-t')).option('-u, --user-id <uid>', 'only this user id', int('-u'))
        .option('-d, --duration <secs>', 'only the first SECS seconds of the capture', positive('-d'))
        .option('-n, --name <name>', 'only command names containing this').option('-e, --extended-fields', 'show flags and mode')
        .option('-f, --flag-filter <flag>', 'only opens with this flag; repeat for any of several (O_WRONLY, O_CREAT, ...)', collect, [])
        .option('-F, --full-path', 'show relative paths resolved against the directory recorded with them')
        .option('--errname', 'show the errno name (ENOENT) instead of its number');
    },
    check(r) {
      parseOpenFlags(r.opts['flagFilter'] ?? []);
      if (r.opts['duration'] !== undefined) {
        if (r.times.until !== undefined) throw new UsageError('give -d SECS or --until, not both');
        r.times.until = String(r.opts['duration']);
      }
    },
    async run(r) {
      const o = r.opts;
      const { opensView } = await import('../views/opens.js');
      await r.view(opensView({ timestamp: o['timestamp'], printUid: o['printUid'], failed: o['failed'], pid: o['tgid'], tid: o['tid'], uid: o['userId'],
        name: o['name'], extended: o['extendedFields'], flags: o['flagFilter'], fullPath: o['fullPath'], errname: o['errname'] }));
    },
  }],
});
