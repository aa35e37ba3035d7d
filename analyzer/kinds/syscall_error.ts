// Syscalls that failed with EPERM or EACCES (bpf/syscall_error.bpf.c, recorder/probes/
// syscall_error.ts): the syscall_errors table, the host timeline's denials (it reads them itself: a
// burst folds into one line) and `secanalyze eperm` (analyzer/views/eperm.ts), which keeps the
// classic tool's name.
import { Option } from 'commander';
import { c } from '../schema/column.js';
import { errnoName, syscallName } from '../syscalls.js';
import type { EpermKey } from '../views/eperm.js';
import { defineKind } from './types.js';

export const kind = defineKind({
  body: 'syscallError',
  probe: 'syscall_error',
  table: {
    name: 'syscall_errors',
    doc: 'One row per syscall that failed with EPERM or EACCES.',
    columns: [
      c('nr', 'u32', '', 'syscall number in the table of abi'),
      c('syscall', 'str', '', 'syscall name for the capture\'s architecture and abi'),
      c('abi', 'str', '', 'native or compat (32-bit)'),
      c('errno', 'u32', '', 'positive errno: 1 EPERM, 13 EACCES'),
      c('errno_name', 'str', '', 'EPERM or EACCES'),
    ],
  },
  fields: {
    cols: [
      ['nr', ['val', 'x.nr ?? 0']], ['syscall', ['val', 'H.syscallName(c.arch, x.nr ?? 0, x.abi === 1)']],
      ['abi', ['val', "x.abi === 1 ? 'compat' : 'native'"]], ['errno', ['val', 'x.errno ?? 0']], ['errno_name', ['val', 'H.errnoName(x.errno ?? 0)']],
    ],
  },
  helpers: { errnoName, syscallName },
  timeline: null,
  view: null,
  commands: [
    {
      name: 'eperm', legacy: '--eperm', summary: 'syscalls that failed with EPERM / EACCES: counts, or one line each with --list',
      options(c) {
        c.addOption(new Option('--by <key>', 'count by').choices(['comm-syscall', 'syscall', 'comm', 'pid', 'uid']).default('comm-syscall'))
          .option('--list', 'one line per denial: time, pid, tid, user, comm, syscall, and the path of a denied open')
          .option('--sys-prefix', 'name syscalls as the book\'s tool does (sys_openat)');
      },
      async run(r) {
        const { epermView } = await import('../views/eperm.js');
        await r.view(epermView(r.opts['by'] as EpermKey, { list: !!r.opts['list'], sysPrefix: !!r.opts['sysPrefix'] }));
      },
    },
  ],
});
