// The generated schema, configured once: 64-bit integers are plain numbers (see capture.proto).
import $protobuf from 'protobufjs/minimal.js';
import { secrec } from './gen/capture.js';
import { BODY } from './kinds.gen.js';

$protobuf.util.Long = null as unknown as typeof $protobuf.util.Long;
$protobuf.configure();

export const pb = secrec.v1;
/** One capture record (named so as not to hide TypeScript's Record<K, V>). */
export type CaptureRecord = secrec.v1.Record;
export type RecordInit = secrec.v1.Record.$Properties;
export type Header = secrec.v1.Header.$Properties;
export type Trailer = secrec.v1.Trailer.$Properties;
export type Exec = secrec.v1.Exec.$Properties;
export type Open = secrec.v1.Open.$Properties;
export type TtyWrite = secrec.v1.TtyWrite.$Properties;
export type ProcessSnapshot = secrec.v1.ProcessSnapshot.$Properties;
export type Probe = secrec.v1.Probe.$Properties;
export type BodyKind = NonNullable<secrec.v1.Record['body']>;
export const { Abi, OpenCall, WriteCall, ExecSource } = secrec.v1;
export const Writer = $protobuf.Writer;
export const Reader = $protobuf.Reader;

/** Every body kind, in field-number order, from the .proto (format/kinds.gen.ts). */
export const BODY_KINDS: readonly BodyKind[] = BODY.map(([k]) => k);
/** Record's field number of each body kind (the wire tag of the body). */
export const BODY_FIELD = Object.fromEntries(BODY.map(([k, n]) => [k, n])) as { readonly [K in BodyKind]: number };
/** The body kind of a record being built (the one body field set), for writers of synthetic records. */
export function bodyKindOf(r: RecordInit): BodyKind {
  for (const k of BODY_KINDS) if (r[k] !== undefined && r[k] !== null) return k;
  throw new Error('record without body');
}
// The generated list and the generated oneof type name the same kinds (either stale fails to compile).
type Same<A, B> = [A] extends [B] ? [B] extends [A] ? true : false : false;
const kindsMatch: Same<typeof BODY[number][0], BodyKind> = true;
void kindsMatch;

/** The format this code writes; a reader refuses a newer major. */
export const FORMAT_MAJOR = 1;
export const FORMAT_MINOR = 0;
