// Row builders: capture records (+ the process tree) → rows of the tables in tables.ts. Pure
// functions of their inputs; CaptureRows feeds the tree in the order the identities need.
import { isUtf8 } from 'node:buffer';
import type { Header, CaptureRecord } from '../../format/index.js';
import { ProcessTree, type Proc } from '../state/processes.js';
import { HostClock } from './clock.js';
import { KINDS } from '../kinds/index.js';
export { ttyName } from '../kinds/tty_write.js';
import type { Row, TableName } from './tables.js';
import { compileFields, EVENT_FIELDS, FIELDS, TABLE_OF_BODY, type EventTable, type FieldSpec, type Source } from './fields.js';

export interface RowContext {
  clock: HostClock;
  arch: string;
  users: Map<number, string>;
  tree: ProcessTree;
}

export function rowContext(header: Header | null, tree = new ProcessTree()): RowContext {
  return {
    clock: new HostClock(header), arch: header?.arch || 'x86_64', tree,
    users: new Map((header?.users ?? []).map((u) => [u.uid ?? 0, u.name ?? ''])),
  };
}

const EMPTY = new Uint8Array();
/** Decoded bytes point into their frame's buffer: rows outlive frames, so they own a copy (from
 * Node's pooled slab for small values: a fresh ArrayBuffer each costs more than the row). */
export const own = (b: Uint8Array | null | undefined): Uint8Array => (b && b.length ? Buffer.from(b) : EMPTY);
/** Lossless text of bytes, or null when they are not valid UTF-8. */
export const text = (b: Uint8Array): string | null => (isUtf8(b) ? Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8') : null);

/** Short byte values repeat (comm, common paths): intern their copy and text, bounded. */
const interned = new Map<string, [Uint8Array, string | null]>();
function pair(b: Uint8Array | null | undefined): [Uint8Array, string | null] {
  if (!b || !b.length) return [EMPTY, ''];
  if (b.length > 128) { const v = own(b); return [v, text(v)]; }
  const key = String.fromCharCode.apply(null, b as unknown as number[]); // latin1: one char per byte, without a Buffer view
  let got = interned.get(key);
  if (!got) {
    if (interned.size >= 50_000) interned.clear();
    const v = own(b);
    got = [v, text(v)];
    interned.set(key, got);
  }
  return got;
}

function list(items: Uint8Array[] | null | undefined): [Uint8Array[], (string | null)[]] {
  const v = (items ?? []).map(pair);
  return [v.map((x) => x[0]), v.map((x) => x[1])];
}

const ids = new WeakMap<Proc, string>();
export function procId(ctx: RowContext, p: Proc | undefined, pid: number): string {
  if (!p || p.start === null) return ctx.clock.processId(pid, null);
  let id = ids.get(p);
  if (id === undefined) { id = ctx.clock.processId(pid, p.start); ids.set(p, id); }
  return id;
}

/** What the compiled field code calls (schema/fields.ts names them H.…). */
const raw = (b: Uint8Array | null | undefined): Uint8Array => b ?? EMPTY;
const textOf = (b: Uint8Array | null | undefined): string | null => (b && b.length ? text(b) : '');
export const HELPERS = {
  ...Object.assign({}, ...KINDS.map((k) => k.helpers)) as { readonly [name: string]: ((...args: never[]) => unknown) | readonly string[] },
  procId, pair, list, raw, textOf,
  raws: (l: Uint8Array[] | null | undefined): Uint8Array[] => (l ?? []).map(raw),
  texts: (l: Uint8Array[] | null | undefined): (string | null)[] => (l ?? []).map(textOf) };

/** A kind's helper may not shadow another's (checked once at load). */
for (const k of KINDS) for (const [n, f] of Object.entries(k.helpers ?? {})) if ((HELPERS as { [n: string]: unknown })[n] !== f) throw new Error(`analyzer/kinds: H.${n} of ${k.body} is taken`);

type Build = (r: CaptureRecord, c: RowContext, h: typeof HELPERS, t: null, p?: string) => Row;
/** A row builder compiled from the table's fields: one object literal in schema order, so the rows
 * of a table share one shape (added by computed keys, a wide row fell into V8's dictionary mode). */
function rowBuilder(spec: FieldSpec): Build {
  const v = (source: Source, expr: string): string => {
    switch (source) {
      case 'val': return expr;
      case 'bin': return `H.pair(${expr})[0]`;
      case 'bin_text': return `H.pair(${expr})[1]`;
      case 'list_bin': return `H.list(${expr})[0]`;
      case 'list_text': return `H.list(${expr})[1]`;
    }
  };
  return compileFields<Build>(spec, (j, _name, source, expr) => `const v${j} = ${v(source, expr)};`, `return { ${spec.cols.map(([n], j) => `${n}: v${j}`).join(', ')} };`);
}
const BUILDERS = Object.fromEntries(Object.entries(FIELDS).map(([t, s]) => [t, rowBuilder(s)])) as { [T in EventTable]: Build };
const eventBuilder = rowBuilder(EVENT_FIELDS);
/** The row builder of an event table. */
export const rowOf = (t: EventTable) => (r: CaptureRecord, ctx: RowContext): Row => BUILDERS[t](r, ctx, HELPERS, null);

/** The columns every event row has (EVENT_COLUMNS). */
export function eventRow(r: CaptureRecord, ctx: RowContext, process?: string): Row { return eventBuilder(r, ctx, HELPERS, null, process); }

export function processRow(p: Proc, ctx: RowContext): Row {
  const start = p.start === null ? null : ctx.clock.epochNs(p.start);
  const exit = p.exit ? ctx.clock.epochNs(p.exit.ts) : null;
  let exe: Uint8Array = EMPTY;
  for (let i = p.execs.length - 1; i >= 0; i--) if (p.execs[i]!.ret === 0) { exe = p.execs[i]!.filename; break; }
  const [comm, comm_text] = pair(p.comm);
  const [exeBytes, exe_text] = pair(exe);
  const [argv, argv_text] = list(p.argv);
  return {
    hostname: ctx.clock.hostname, boot_id: ctx.clock.bootId, process: procId(ctx, p, p.pid), pid: p.pid,
    start_ns: start, start_time: start === null ? null : ctx.clock.text(start),
    parent: p.parent ? procId(ctx, p.parent, p.parent.pid) : null, ppid: p.ppid, uid: p.uid, user: ctx.users.get(p.uid) ?? null,
    comm, comm_text, exe: exeBytes, exe_text, argv, argv_text,
    execs: p.execs.filter((e) => !e.snapshot).length, origin: p.origin, parent_inferred: p.inferredParent, tty_rdev: p.tty,
    exit_ns: exit, exit_time: exit === null ? null : ctx.clock.text(exit),
    exit_code: p.exit ? p.exit.code : null, exit_signal: p.exit ? p.exit.signal : null, core_dumped: p.exit ? p.exit.core : null,
    events: p.events,
  };
}

/** Feeds a capture's records in order; yields each record's row with the table it belongs to.
 * The processes table comes from processes() once every record has been seen. */
export class CaptureRows {
  readonly ctx: RowContext;
  constructor(header: Header | null) { this.ctx = rowContext(header); }

  /** Feeds r to the tree and calls `use` with its table (if it has one) when its row can be built:
   * an exit before the tree sees it (the process leaves the live set then), every other record
   * after, so a new process already has its identity. */
  each<T>(r: CaptureRecord, use: (t: EventTable) => T): T | null {
    const t = r.body ? TABLE_OF_BODY.get(r.body) : undefined;
    if (t !== undefined && r.body === 'exit') { const got = use(t); this.ctx.tree.observe(r); return got; }
    this.ctx.tree.observe(r);
    return t === undefined ? null : use(t);
  }

  row(r: CaptureRecord): [TableName, Row] | null {
    return this.each(r, (t) => [t, BUILDERS[t](r, this.ctx, HELPERS, null)] as [TableName, Row]);
  }

  *processes(): Generator<Row> { for (const p of this.ctx.tree.all) yield processRow(p, this.ctx); }
}
