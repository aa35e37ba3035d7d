// Execs (bpf/exec.bpf.c, recorder/probes/exec.ts): successful ones at sched_process_exec, failed
// ones at the syscall's exit. The execs table, `secanalyze execs` (execsnoop, analyzer/views/
// execs.ts) and `secanalyze elf` (elfsnoop, views/elf.ts: the same records seen as binary loads).
// The process tree and the host timeline read them themselves.
import { bytes, c, listBytes } from '../schema/column.js';
import { bytes as bytesOf, PROC } from '../schema/spec.js';
import { errnoName } from '../syscalls.js';
import { UsageError } from '../errors.js';
import { int, regex } from '../command.js';
import { defineKind } from './types.js';

export const kind = defineKind({
  body: 'exec',
  probe: 'exec',
  table: {
    name: 'execs',
    doc: 'One row per exec, successful (the new image\'s argv) or failed (the caller\'s arguments).',
    columns: [
      ...bytes('filename', 'the executed file (bprm->filename, or the failed call\'s argument)'),
      ...listBytes('argv', 'arguments, argv[0] first, each whole up to the recorder\'s limits'),
      c('argc', 'u32', 'count', 'argument count of the exec, arguments not kept included'),
      c('args_truncated', 'bool', '', 'more arguments or bytes than the limits kept'),
      c('ret', 'i32', '', '0, or -errno of a failed exec'),
      c('errno', 'str', '', 'errno name of a failed exec (ENOENT, EACCES, ...); null on success'),
      c('source', 'str', '', 'sched (the new image, successful) or sys_exit (failed call)'),
      ...bytes('interp', 'script interpreter (equals filename for an ELF binary)'),
      ...bytes('mount', 'dentry name of the executed file\'s mount root'),
      c('ino', 'str', 'decimal', 'executed file\'s inode (text: may exceed 2^53)'),
      c('dev', 'u32', 'kernel dev_t', 'executed file\'s superblock device'),
      c('old_tid', 'u32', '', 'thread that called exec'),
      ...bytes('comm_before', 'command name before the exec'),
    ],
  },
  fields: {
    cols: [
      ...bytesOf('filename', 'x.filename'), ['argv', ['list_bin', 'x.argv']], ['argv_text', ['list_text', 'x.argv']],
      ['argc', ['val', 'x.argc ?? 0']], ['args_truncated', ['val', '!!x.argsTruncated']], ['ret', ['val', 'ret']],
      ['errno', ['val', 'ret ? H.errnoName(ret) : null']], ['source', ['val', "x.source === 1 ? 'sys_exit' : 'sched'"]],
      ...bytesOf('interp', 'x.interp'), ...bytesOf('mount', 'x.mount'), ['ino', ['val', "x.ino ?? ''"]], ['dev', ['val', 'x.dev ?? 0']],
      ['old_tid', ['val', 'x.oldTid ?? 0']], ...bytesOf('comm_before', 'x.commBefore'),
    ],
    pre: `${PROC} const ret = x.ret ?? 0;`,
  },
  helpers: { errnoName },
  timeline: null,
  view: null,
  commands: [
    {
      name: 'execs', legacy: '--execs', summary: 'execsnoop: new processes',
      options(c) {
        c.option('-T, --timestamp', 'include a TIME column (HH:MM:SS on the recorded host)')
          .option('-t, --time', 'include a TIME(s) column, seconds since the capture start')
          .option('-x, --fails', 'include failed execs').option('-u, --user <user>', 'only this user (name on the recorded host, or id)')
          .option('-U, --print-uid', 'include a UID column').option('-q, --quote', 'quote arguments ("…", with \\" inside)')
          .option('-n, --name <regex>', 'only command names matching', regex).option('-l, --line <regex>', 'only argument lines matching (the unquoted arguments)', regex)
          .option('--max-args <n>', 'arguments shown', int('--max-args'), 20).option('-P, --ppid <ppid>', 'only children of this parent', int('-P'))
          .option('-M, --parent-comm', 'include a PCOMM column: the parent\'s command name').option('-C, --cpu', 'include a CPU column');
      },
      check(r) {
        const u = r.opts['user'];
        if (u !== undefined && !/^\d+$/.test(u) && !/^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,31}\$?$/.test(u)) throw new UsageError(`-u ${u}: not a user name or id`);
      },
      async run(r) {
        const o = r.opts;
        const { execsView } = await import('../views/execs.js');
        await r.view(execsView({ timestamp: o['timestamp'], time: o['time'], fails: o['fails'], user: o['user'], printUid: o['printUid'], quote: o['quote'],
          name: o['name'], line: o['line'], maxArgs: o['maxArgs'], ppid: o['ppid'], parentComm: o['parentComm'], cpu: o['cpu'] }));
      },
    },
    {
      name: 'elf', legacy: '--elf', summary: 'elfsnoop: binaries the kernel loaded (interpreter, mount, device, inode)',
      options(c) { c.option('-x, --fails', 'also failed execs that never reached a binary loader'); },
      async run(r) { const { elfView } = await import('../views/elf.js'); await r.view(elfView({ fails: !!r.opts['fails'] })); },
    },
  ],
});
