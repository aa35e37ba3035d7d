// One value as JSON or CSV text: bytes base64, 64-bit integers exact digits, lists as JSON
// arrays in CSV. Shared by export (encode.ts) and the views' rows (views.ts); kept apart from
// encode.ts so that a view does not load the Arrow library to print a line.
import type { ColumnType, Value } from './tables.js';

export const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64');

/** Strings JSON writes as they are: printable ASCII without " and \\. */
export const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

export function jsonValue(v: Value, t: ColumnType): string {
  if (v === null || v === undefined) return 'null';
  switch (t) {
    case 'str': return PLAIN.test(v as string) ? `"${v as string}"` : JSON.stringify(v);
    case 'bool': return v ? 'true' : 'false';
    case 'bin': return `"${b64(v as Uint8Array)}"`;
    case 'list_bin': return `[${(v as Uint8Array[]).map((b) => `"${b64(b)}"`).join(',')}]`;
    case 'i64': case 'i32': case 'u32': return typeof v === 'bigint' ? v.toString() : String(v);
    default: return JSON.stringify(v);
  }
}

export const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function csvValue(v: Value, t: ColumnType): string {
  if (v === null || v === undefined) return '';
  switch (t) {
    case 'bin': return b64(v as Uint8Array);
    case 'list_bin': case 'list_str': return csvField(jsonValue(v, t));
    case 'str': return csvField(v as string);
    case 'bool': return v ? 'true' : 'false';
    default: return typeof v === 'bigint' ? v.toString() : String(v);
  }
}
