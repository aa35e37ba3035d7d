// --tree: processes as a tree (pstree-like), --ancestry PID: the chain from the root down.
// Each line: command lines of each exec (failed ones marked ✗), pid, user, start offset,
// duration and exit. By default only processes active during the capture and their ancestors.
// Walks are iterative and linear (captures can hold deep or huge trees); indentation stops at
// MAX_INDENT levels so a deep chain's output stays linear in its length.
import { userName, type View, type ViewContext } from '../pipeline.js';
import type { ExecInfo, Proc, ProcessTree } from '../state/processes.js';
import { esc } from '../text.js';
import { errnoName } from '../syscalls.js';
import { execArgs } from './execs.js';
import { ancestry, walkUpBy } from '../state/ancestry.js';
import { processRow, rowsFor, type ViewColumn, type ViewTable } from '../schema/views.js';

const MAX_INDENT = 64;

export interface TreeOptions {
  pid?: number; all?: boolean; maxArgs: number; ancestry?: number;
  /** Chooses the process(es) for --pid/--ancestry (state/resolve.ts: PID@START, never silently). */
  pick?: (tree: ViewContext['tree']) => Proc[];
}

/** The ancestry view's indentation, capped like the tree's. */
function indent(i: number): string {
  if (i === 0) return '';
  return i > MAX_INDENT ? `${'  '.repeat(MAX_INDENT - 1)}[depth ${i}] └─ ` : `${'  '.repeat(i - 1)}└─ `;
}

// Bytes esc() and argText() leave as they are (printable ASCII but backslash); NUL separates argv.
const PLAIN = /^[\x20-\x5b\x5d-\x7e]*$/;
const PLAIN_ARGS = /^[\x00\x20-\x5b\x5d-\x7e]*$/;

/** execArgs(e.filename, e.argv, max, false, e.argsTruncated, e.interp) read from the stored
 * strings: no copy back to bytes when every byte is plain (the common case); execArgs otherwise. */
function execText(e: ExecInfo, max: number): string {
  const joined = e.argsJoined;
  const file = e.filePacked;
  const interp = e.interpPacked;
  if (joined === null || !PLAIN_ARGS.test(joined) || !PLAIN.test(file) || !PLAIN.test(interp)) {
    return execArgs(e.filename, e.argv, max, false, e.argsTruncated, e.interp);
  }
  const argv = e.argc === 0 ? [] : joined.split('\0');
  let rest = 1; // as shownArgs: a script's interpreter words up to its path are dropped
  if (interp.length && file.length && interp !== file) {
    for (let j = 1; j < Math.min(argv.length, 4); j++) if (argv[j] === file) { rest = j + 1; break; }
  }
  const count = 1 + Math.max(0, argv.length - rest);
  let s = max > 0 ? (file.length ? file : (argv[0] ?? '')) : '';
  for (let i = rest, n = 1; i < argv.length && n < max; i++, n++) s += ' ' + argv[i];
  return count > max || e.argsTruncated ? `${s} ...` : s;
}

/** One text line per process; `user` gives the escaped user name of a uid. */
function line(p: Proc, o: TreeOptions, user: (uid: number) => string): string {
  const execs = p.execs;
  let cmd: string | null = null;
  for (const e of execs) {
    if (e.snapshot && execs.length !== 1) continue;
    const args = execText(e, o.maxArgs);
    const c = e.ret === 0 ? args : `✗ ${args} (${errnoName(e.ret)})`;
    cmd = cmd === null ? c : `${cmd} → ${c}`;
  }
  if (cmd === null) { const comm = p.commPacked; cmd = `[${PLAIN.test(comm) ? comm : esc(p.comm)}]`; }
  const start = p.start;
  const x = p.exit;
  const when = start === null ? 'start ?' : start < 0 ? 'before capture' : `+${(start / 1e9).toFixed(3)}s`;
  const dur = start !== null && x !== null ? ` ran ${((x.ts - start) / 1e9).toFixed(3)}s` : '';
  const exit = x ? (x.signal ? ` killed by signal ${x.signal}${x.core ? ' (core)' : ''}` : ` exit ${x.code}`) : '';
  const inferred = p.inferredParent ? ' (parent inferred)' : '';
  const cycle = p.cycleWith !== null ? ` (claims parent ${p.cycleWith}: refused, it closes a cycle)` : '';
  return `${cmd}  [pid ${p.pid}, ${user(p.uid)}, ${when}${dur}${exit}]${inferred}${cycle}`;
}

/** A process of the start snapshot with no command line and no exe. */
function isKernelThread(tree: ProcessTree, i: number): boolean {
  const e = tree.firstExec[i]!;
  return tree.origin(i) === 'snapshot' && e !== -1 && tree.execNext[e] === -1 && tree.execFile[e] === 0 && tree.args.argc(tree.execArgs[e]!) === 0;
}

/** A process as the tree shows it: its depth, and the branch drawing before its line. */
interface Shown { p: Proc; depth: number; prefix: string; last: boolean }

const TREE_EXTRA: ViewColumn[] = [
  { name: 'depth', type: 'u32', doc: 'levels below the first process shown (tree: a root; ancestry: the oldest ancestor)' },
  { name: 'cycle_parent', type: 'u32', doc: 'the parent pid the capture claimed when linking to it was refused (it would close a cycle); else null' },
  { name: 'line', type: 'str', doc: 'the process as the text output shows it (commands of each exec, escaped; pid, user, times, exit)' },
];

export function treeView(o: TreeOptions): View {
  const names = new Map<number, string>();
  let users: Map<number, string> | null = null;
  /** The escaped user name of a uid, once per uid. */
  const user = (uid: number): string => {
    let n = names.get(uid);
    if (n === undefined) { n = esc(userName(users!, uid)); names.set(uid, n); }
    return n;
  };
  const table: ViewTable<Shown> = {
    view: 'tree',
    schema: 'processes',
    extra: TREE_EXTRA,
    row({ p, depth }, ctx) {
      const row = processRow(p, rowsFor(ctx));
      row['depth'] = depth; row['cycle_parent'] = p.cycleWith; row['line'] = line(p, o, user);
      return row;
    },
    text: ({ p, prefix }) => `${prefix}${line(p, o, user)}`,
  };
  return {
    tables: [table],
    probes: ['proc', 'exec'],
    filtered: false,
    end(ctx: ViewContext) {
      const tree = ctx.tree;
      const keep = new Uint8Array(tree.size); // by slot: a byte per process, not a Set entry
      users = ctx.users;
      if (o.ancestry !== undefined) {
        const ps = o.pick ? o.pick(tree) : tree.byPid(o.ancestry);
        if (!ps.length) throw new Error(`no process ${o.ancestry} in this capture`);
        const chain = ancestry(ps[ps.length - 1]!);
        chain.forEach((p, i) => ctx.out.row(table, { p, depth: i, prefix: indent(i), last: true }, ctx));
        return;
      }
      // slots, not Procs: a handle is made only for a process shown
      const { parents, firstChild, nextSibling } = tree;
      let roots: number[];
      if (o.pid !== undefined || o.pick) {
        roots = (o.pick ? o.pick(tree) : tree.byPid(o.pid ?? -1)).map((p) => p.index);
        if (!roots.length) throw new Error(`no process ${o.pid ?? ''} in this capture`);
        for (const r of roots) for (const q of tree.descendantSlots(r)) keep[q] = 1;
      } else {
        if (o.all) {
          for (let i = 0; i < tree.size; i++) if (!isKernelThread(tree, i)) keep[i] = 1;
        } else {
          // each active process and its ancestors; stop at the first kept one: linear overall
          const up = (q: number) => parents[q]!;
          const mark = (q: number) => { if (keep[q]) return true; keep[q] = 1; return false; };
          for (let i = 0; i < tree.size; i++) if (tree.isActive(i)) walkUpBy(i, -1, up, mark);
        }
        roots = [];
        for (let i = 0; i < tree.size; i++) if (parents[i] === -1 && keep[i]) roots.push(i);
      }
      // explicit stack instead of recursion: a fork chain can be thousands deep
      const stack: Array<{ i: number; prefix: string; last: boolean; depth: number }> = [];
      for (let i = roots.length - 1; i >= 0; i--) stack.push({ i: roots[i]!, prefix: '', last: true, depth: 0 });
      const kids: number[] = [];
      while (stack.length) {
        const { i, prefix, last, depth } = stack.pop()!;
        ctx.out.row(table, { p: tree.proc(i), depth, prefix: depth === 0 ? '' : depth > MAX_INDENT ? `${prefix}[depth ${depth}] ${last ? '└─ ' : '├─ '}` : `${prefix}${last ? '└─ ' : '├─ '}`, last }, ctx);
        kids.length = 0;
        for (let c = firstChild[i]!; c !== -1; c = nextSibling[c]!) if (keep[c]) kids.push(c);
        const next = depth === 0 || depth > MAX_INDENT ? prefix : prefix + (last ? '   ' : '│  ');
        for (let k = kids.length - 1; k >= 0; k--) stack.push({ i: kids[k]!, prefix: next, last: k === kids.length - 1, depth: depth + 1 });
      }
      if (!roots.length) ctx.warn('no process activity in this capture (use --all for the processes alive at its start)');
    },
  };
}
