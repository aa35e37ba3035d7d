// What an event kind is to the analyzer: one module in this folder declares its schema table, where
// each column comes from, its line in the host timeline and its command. Nothing else names the
// kind: tables.ts, fields.ts, rows.ts, the host timeline and commands.ts take them from index.ts.
// A kind module may import only modules that do not import those lists (format/, text.ts,
// syscalls.ts, command.ts, errors.ts, schema/column.ts, schema/spec.ts, and types), since the lists
// load it; a command's view is imported when the command runs.
import type { BodyKind, CaptureRecord } from '../../format/index.js';
import type { CommandSpec } from '../command.js';
import type { ViewContext } from '../pipeline.js';
import type { Column } from '../schema/column.js';
import type { Spec } from '../schema/spec.js';
import type { ViewColumn, ViewRow } from '../schema/views.js';

/** A record's body of kind B (the generated message, e.g. ICred for 'cred'). */
export type Body<B extends BodyKind> = NonNullable<CaptureRecord[B]>;

export interface Kind<T extends string = string, B extends BodyKind = BodyKind, I extends string = string> {
  /** The body of capture.proto's Record this kind reads (format/kinds.gen.ts). */
  readonly body: B;
  /** The probe family that records it (recorder/probes/; --probes, the capture header). */
  readonly probe: string;
  /** Its table in the record schema (docs/schema.md): what a row is, and its columns after the
   * event columns (schema/column.ts: EVENT_COLUMNS). */
  readonly table: { readonly name: T; readonly doc: string; readonly columns: readonly Column[] };
  /** Where each of those columns comes from, in the same order (schema/fields.ts: one expression per
   * column over `r`, its body `x` and the row context `c`), and statements before them. */
  readonly fields: { readonly cols: readonly (readonly [string, Spec])[]; readonly pre?: string };
  /** Functions (and name tables) the expressions use as `H.name`. */
  readonly helpers?: { readonly [name: string]: ((...args: never[]) => unknown) | readonly string[] };
  /** The host timeline's item for a record of this kind, or null: the timeline does not show it. */
  readonly timeline: { readonly item: I; text(x: Body<B>, r: CaptureRecord): string } | null;
  /** Its command, `secanalyze NAME FILE` (one line or row per record), or null: none of its own. */
  readonly view: KindView<B> | null;
  /** Its commands that take options or keep state (execs, opens, eperm, tty): each declared here,
   * its view module (analyzer/views/) imported when it runs, since a view may import the lists. */
  readonly commands?: readonly CommandSpec[];
}

/** A kind's command: the table's rows, as the classic tool's lines or as --json / --csv. */
export interface KindView<B extends BodyKind> {
  readonly command: string;
  readonly summary: string;
  /** What the rows are, for the note when there are none ("no credential changes in this capture"),
   * or null: the classic tool says nothing then. */
  readonly none: string | null;
  /** Columns of the view's own after the schema's (documented in the README's "Views as data"). */
  readonly extra: readonly ViewColumn[];
  /** The values of the extra columns. */
  more?(x: Body<B>, r: CaptureRecord, ctx: ViewContext): ViewRow;
  /** The classic tool's column header, if it prints one. */
  header?(): string;
  text(x: Body<B>, r: CaptureRecord, ctx: ViewContext): string;
}

/** Declares a kind, keeping its names as literal types (the table and item names the lists check). */
export function defineKind<const T extends string, const B extends BodyKind, const I extends string = never>(k: Kind<T, B, I>): Kind<T, B, I> {
  return k;
}
