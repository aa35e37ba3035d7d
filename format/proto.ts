// The generated schema, configured once: 64-bit integers are plain numbers (see capture.proto).
import $protobuf from 'protobufjs/minimal.js';
import { secrec } from './gen/capture.js';

$protobuf.util.Long = null as unknown as typeof $protobuf.util.Long;
$protobuf.configure();

export const pb = secrec.v1;
export type Record = secrec.v1.Record;
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

export const BODY_KINDS: readonly BodyKind[] = [
  'header', 'process', 'fork', 'exec', 'exit', 'open', 'syscallError', 'ttyWrite', 'readline',
  'moduleLoad', 'lost', 'malformed', 'trailer',
];

/** The format this code writes; a reader refuses a newer major. */
export const FORMAT_MAJOR = 1;
export const FORMAT_MINOR = 0;
