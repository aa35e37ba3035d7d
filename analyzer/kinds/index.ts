// Every analyzer kind: one module each in this folder, listed by scripts/gen-index.mjs
// (index.gen.ts), and the names the schema, the timeline and the commands take from them.
import { BODY_FIELD, type BodyKind } from '../../format/index.js';
import { KINDS as LIST } from './index.gen.js';
import type { Kind } from './types.js';

type Of = typeof LIST[number];
/** The kinds' schema tables, body kinds and host timeline items. */
export type KindTable = Of['table']['name'];
export type KindBody = Of['body'];
export type KindItem = NonNullable<Of['timeline']>['item'];
export type AnyKind = Kind<string, BodyKind, string>;
/** In the order of their bodies' field numbers in capture.proto (tables, timeline items, commands). */
export const KINDS: readonly AnyKind[] = [...LIST].sort((a, b) => BODY_FIELD[a.body] - BODY_FIELD[b.body]);

/** Each kind by its body: indexing it with a body kind no kind declares does not compile. */
export const KIND_OF_BODY = Object.fromEntries(KINDS.map((k) => [k.body, k])) as { readonly [B in KindBody]: AnyKind };

/** A value for each kind's table (the kinds' part of TABLES and FIELDS). */
export function byTable<V>(f: (k: AnyKind) => V): { readonly [T in KindTable]: V } {
  return Object.fromEntries(KINDS.map((k) => [k.table.name, f(k)])) as { [T in KindTable]: V };
}
