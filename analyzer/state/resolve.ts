// One process named by the analyst: PID when only one process held it during the capture,
// PID@START (seconds since the capture start, as the tree shows them) or PID#N (the Nth holder,
// in capture order) when the PID was reused. Never picks one of several silently.
import { UsageError } from '../errors.js';
import { esc } from '../text.js';
import type { Proc, ProcessTree } from './processes.js';

export interface ProcSpec { pid: number; start?: string; nth?: number; text: string }

/** Parses PID, PID@START or PID#N (a usage error otherwise). */
export function parseProcSpec(v: string, what = 'PID'): ProcSpec {
  const m = /^(\d{1,10})(?:@([+-]?\d+(?:\.\d+)?)s?|#(\d{1,6}))?$/.exec(v.trim());
  if (!m) throw new UsageError(`${what} "${v}": give PID, PID@START (start in seconds since the capture start, e.g. 4242@12.345) or PID#N (the Nth process that held PID)`);
  const spec: ProcSpec = { pid: Number(m[1]), text: v.trim() };
  if (m[2] !== undefined) spec.start = m[2].replace(/^\+/, '');
  if (m[3] !== undefined) spec.nth = Number(m[3]);
  return spec;
}

/** The start as the tree shows it, to the precision the analyst typed. */
function startMatches(p: Proc, start: string): boolean {
  if (p.start === null) return false;
  const decimals = start.includes('.') ? start.length - start.indexOf('.') - 1 : 0;
  return (p.start / 1e9).toFixed(decimals) === Number(start).toFixed(decimals);
}

/** The unambiguous way to name p. */
export function procRef(p: Proc, tree: ProcessTree): string {
  if (p.start !== null) return `${p.pid}@${(p.start / 1e9).toFixed(3)}`;
  return `${p.pid}#${tree.byPid(p.pid).indexOf(p) + 1}`;
}

function candidate(p: Proc, tree: ProcessTree): string {
  const cmd = p.argv.length ? p.argv.slice(0, 6).map((a) => esc(a)).join(' ') : `[${esc(p.comm)}]`;
  const life = `${p.start === null ? 'start unknown' : `started +${(p.start / 1e9).toFixed(3)}s`}${p.exit ? `, ended +${(p.exit.ts / 1e9).toFixed(3)}s` : ''}`;
  return `  ${procRef(p, tree).padEnd(18)} ${cmd.slice(0, 120)}  (${life})`;
}

/** Every process that matches the spec. */
export function matchProcs(tree: ProcessTree, spec: ProcSpec): Proc[] {
  const all = tree.byPid(spec.pid);
  if (spec.nth !== undefined) return all.slice(spec.nth - 1, spec.nth);
  if (spec.start !== undefined) return all.filter((p) => startMatches(p, spec.start!));
  return all;
}

/** Exactly one process, or an error that lists what the capture holds. */
export function resolveProc(tree: ProcessTree, spec: ProcSpec): Proc {
  const all = tree.byPid(spec.pid);
  if (!all.length) throw new Error(`no process ${spec.pid} in this capture`);
  const hits = matchProcs(tree, spec);
  if (hits.length === 1) return hits[0]!;
  const list = all.map((p) => candidate(p, tree)).join('\n');
  if (!hits.length) throw new UsageError(`no process ${spec.text} in this capture; PID ${spec.pid} was held by:\n${list}`);
  throw new UsageError(`PID ${spec.pid} was held by ${hits.length} processes during the capture; name one:\n${hits.map((p) => candidate(p, tree)).join('\n')}`);
}
