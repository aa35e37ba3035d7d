// Triage, phase 1: one pass over the capture keeps the few facts the rules judge (execs, files
// written, denials, credential changes, module loads, typed commands, loss), each list bounded.
import { posix } from 'node:path';
import type { CaptureRecord } from '../../format/index.js';
import type { View, ViewContext } from '../pipeline.js';
import type { Proc } from '../state/processes.js';
import { esc } from '../text.js';
import { syscallName } from '../syscalls.js';
import { ttyName } from '../views/common.js';

/** Entries kept per list; past it the list is marked cut and triage says so. */
export const FACT_LIMIT = 100_000;
const SHELL_LINES = 200;

const O_WRONLY = 0o1, O_RDWR = 0o2, O_CREAT = 0o100, O_TRUNC = 0o1000;

export interface ExecFact { ts: number; proc: Proc; path: string; argv: Uint8Array[]; filename: Uint8Array; interp: string; ret: number; ino: string; uid: number }
export interface WriteFact { ts: number; proc: Proc; path: string; flags: number }
export interface DenialFact { ts: number; proc: Proc; errno: number; what: string; path: string | null }
export interface CredFact { ts: number; proc: Proc; from: [number, number]; to: [number, number] }
export interface ModuleFact { ts: number; proc: Proc; name: string }
export interface ShellFact { proc: Proc; tty: string; lines: { ts: number; text: string }[]; count: number }
export interface LostFact { ts: number; probe: string; count: number; lane: string }

/** A path as the byte string it is (latin1 keeps every byte), relative ones resolved. */
export function pathKey(path: Uint8Array | null | undefined, dir?: Uint8Array | null): string {
  const p = Buffer.from(path ?? []).toString('latin1');
  if (p.startsWith('/') || !dir?.length) return p.startsWith('/') ? posix.normalize(p) : p;
  return posix.normalize(`${Buffer.from(dir).toString('latin1')}/${p}`);
}

/** A latin1 path key back to text safe for a terminal or a page. */
export const showPath = (key: string): string => esc(Buffer.from(key, 'latin1'));

export class Facts {
  readonly execs: ExecFact[] = [];
  /** First write (O_CREAT / O_WRONLY / O_RDWR / O_TRUNC) of each path. */
  readonly writes = new Map<string, WriteFact>();
  readonly denials: DenialFact[] = [];
  readonly creds: CredFact[] = [];
  readonly modules: ModuleFact[] = [];
  readonly shells = new Map<Proc, ShellFact>();
  readonly lost: LostFact[] = [];
  readonly malformed = { count: 0 };
  /** Lists that reached FACT_LIMIT. */
  readonly cut = new Set<string>();
  first: number | null = null;
  last = 0;
  private readonly cred = new Map<Proc, [number, number]>();

  private push<T>(name: string, list: T[], v: T): void {
    if (list.length < FACT_LIMIT) list.push(v); else this.cut.add(name);
  }

  observe(r: CaptureRecord, ctx: ViewContext): void {
    if (r.body !== 'process' && r.body !== 'header') {
      this.first ??= r.ts;
      if (r.ts > this.last) this.last = r.ts;
    }
    switch (r.body) {
      case 'lost': this.push('lost', this.lost, { ts: r.ts, probe: r.lost!.probe ?? '?', count: Number(r.lost!.count ?? 0), lane: r.lost!.lane ?? '' }); return;
      case 'malformed': this.malformed.count++; return;
      case 'header': case 'trailer': case 'fork': case 'exit': case undefined: return;
      default: break;
    }
    const p = ctx.tree.get(r.pid);
    if (!p) return;
    this.credOf(r, p);
    switch (r.body) {
      case 'exec': {
        const e = r.exec!;
        this.push('execs', this.execs, {
          ts: r.ts, proc: p, path: pathKey(e.filename), argv: p.execs.at(-1)?.argv ?? [], filename: p.execs.at(-1)?.filename ?? new Uint8Array(),
          interp: pathKey(e.interp), ret: e.ret ?? 0, ino: e.ino ?? '', uid: r.uid,
        });
        return;
      }
      case 'open': {
        const o = r.open!;
        const path = pathKey(o.path, o.dir);
        const ret = o.ret ?? 0;
        if (ret === -1 || ret === -13) {
          const twin = this.twin(p, r.ts);
          if (twin && twin.path === null && twin.what.startsWith('open')) { twin.path = path; return; }
          this.push('denials', this.denials, { ts: r.ts, proc: p, errno: -ret, what: 'open', path });
          return;
        }
        const flags = o.flags ?? 0;
        if (ret >= 0 && flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC) && !this.writes.has(path)) {
          if (this.writes.size < FACT_LIMIT) this.writes.set(path, { ts: r.ts, proc: p, path, flags }); else this.cut.add('writes');
        }
        return;
      }
      case 'syscallError': {
        const e = r.syscallError!;
        const name = syscallName(ctx.arch, e.nr ?? 0, e.abi === 1);
        // the open probe already kept this failure with its path
        const twin = this.twin(p, r.ts);
        if (name.startsWith('open') && twin && twin.what === 'open') { twin.what = name; return; }
        this.push('denials', this.denials, { ts: r.ts, proc: p, errno: e.errno ?? 0, what: name, path: null });
        return;
      }
      case 'moduleLoad': this.push('modules', this.modules, { ts: r.ts, proc: p, name: esc(r.moduleLoad!.name) }); return;
      case 'readline': {
        let s = this.shells.get(p);
        if (!s) {
          if (this.shells.size >= 10_000) { this.cut.add('shells'); return; }
          s = { proc: p, tty: p.tty ? ttyName(p.tty) : '?', lines: [], count: 0 };
          this.shells.set(p, s);
        }
        s.count++;
        if (s.lines.length < SHELL_LINES) s.lines.push({ ts: r.ts, text: esc(r.readline!.line) });
        return;
      }
      case 'ttyWrite': {
        const s = this.shells.get(p);
        if (s && s.tty === '?' && r.ttyWrite!.isTty) s.tty = ttyName(r.ttyWrite!.rdev ?? 0);
        return;
      }
      default: return;
    }
  }

  /** The open probe and the eperm probe both see a denied open: the last denial of p within 1 ms. */
  private twin(p: Proc, ts: number): DenialFact | null {
    const d = this.denials.at(-1);
    return d && d.proc === p && Math.abs(ts - d.ts) < 1e6 ? d : null;
  }

  /** uid/gid as seen on each record of a process: a change mid-life is a fact. */
  private credOf(r: CaptureRecord, p: Proc): void {
    const now: [number, number] = [r.uid, r.gid];
    const was = this.cred.get(p);
    if (was && (was[0] !== now[0] || was[1] !== now[1])) this.push('creds', this.creds, { ts: r.ts, proc: p, from: was, to: now });
    if (!was || was[0] !== now[0] || was[1] !== now[1]) this.cred.set(p, now);
  }
}

/** The pipeline view that fills Facts (every record, no global filter: rules see the whole host). */
export function factsView(facts: Facts, done?: (ctx: ViewContext) => void | Promise<void>): View {
  return {
    probes: [],
    filtered: false,
    record(r, ctx) { facts.observe(r, ctx); },
    async end(ctx) { await done?.(ctx); },
  };
}
