// The pieces a table's field list is made of (fields.ts has the lists, analyzer/kinds/ a kind's
// own): how a column's expression is read, and the event columns every event table starts with.
// It imports nothing, so a kind module can use it while the lists that include the kind load.

/** How a column's expression is read: a plain value, or raw bytes (a `Uint8Array`, null or
 * undefined for empty) given as bytes or as their lossless text, alone or in a list. */
export type Source = 'val' | 'bin' | 'bin_text' | 'list_bin' | 'list_text';
export type Spec = readonly [Source, string];

/** Statements before the columns: locals `x` (the body) and `ns` (the time as ns since the epoch). */
export const PRE = (body: string): string => `const x = r.${body}; const ns = c.clock.epochNs(r.ts);`;
export const bytes = (name: string, expr: string): [string, Spec][] => [[name, ['bin', expr]], [`${name}_text`, ['bin_text', expr]]];

/** hostname … cgroup; `process` is the local P (a caller may give it: eventRow). */
export const EVENT: [string, Spec][] = [
  ['hostname', ['val', 'c.clock.hostname']], ['boot_id', ['val', 'c.clock.bootId']], ['ts_ns', ['val', 'ns']],
  ['time', ['val', 'c.clock.text(ns)']], ['offset_ns', ['val', 'r.ts']], ['process', ['val', 'P']],
  ['pid', ['val', 'r.pid']], ['tid', ['val', 'r.tid']], ['ppid', ['val', 'r.ppid']], ['uid', ['val', 'r.uid']], ['gid', ['val', 'r.gid']],
  ...bytes('comm', 'r.comm'), ['cpu', ['val', 'r.cpu']], ['cgroup', ['val', 'r.cgroup']],
];
export const PROC = 'const P = p ?? H.procId(c, c.tree.get(r.pid), r.pid);';

export interface FieldSpec { readonly body: string; readonly pre: string; readonly cols: readonly (readonly [string, Spec])[] }
export const event = (body: string, cols: readonly (readonly [string, Spec])[], pre = ''): FieldSpec => ({ body, pre: `${PRE(body)} ${pre || PROC}`, cols: [...EVENT, ...cols] });
