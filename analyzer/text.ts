// Captured bytes → text that cannot rewrite the analyst's terminal. Control characters (C0, DEL,
// C1), invalid UTF-8 and bidirectional overrides become visible escapes; backslash is doubled so
// the result is unambiguous.

const HEX = (n: number): string => '\\x' + n.toString(16).padStart(2, '0');
const NAMED: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 27: '\\e', 92: '\\\\' };

function plain(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) { const c = b[i]!; if (c < 0x20 || c > 0x7e || c === 92) return false; }
  return true;
}

/** Escapes captured bytes (or a string) for a terminal or a text file. */
export function esc(input: Uint8Array | string | null | undefined): string {
  if (input === null || input === undefined) return '';
  const b = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  if (plain(b)) return Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
  let out = '';
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    if (c < 0x80) {
      out += c < 0x20 || c === 0x7f || c === 92 ? (NAMED[c] ?? HEX(c)) : String.fromCharCode(c);
      i++;
      continue;
    }
    const n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    let cp = n === 4 ? c & 7 : n === 3 ? c & 15 : c & 31;
    let ok = n > 0 && i + n <= b.length;
    for (let k = 1; ok && k < n; k++) {
      const d = b[i + k]!;
      if ((d & 0xc0) !== 0x80) ok = false;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (ok && ((n === 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n === 4 && (cp < 0x10000 || cp > 0x10ffff)))) ok = false;
    if (!ok) { out += HEX(c); i++; continue; }
    if ((cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp === 0x200e || cp === 0x200f || cp === 0x061c) {
      out += `\\u{${cp.toString(16)}}`;
    } else {
      out += String.fromCodePoint(cp);
    }
    i += n;
  }
  return out;
}

/** A shell-style quoted argument for -q: double quotes, with " and \ escaped, controls escaped. */
export function quoteArg(b: Uint8Array): string {
  return '"' + esc(b).replace(/"/g, '\\"') + '"';
}

export function pad(s: string, n: number): string { return s.length >= n ? s : s + ' '.repeat(n - s.length); }
export function padl(s: string, n: number): string { return s.length >= n ? s : ' '.repeat(n - s.length) + s; }

// Characters that can drive a terminal or reorder what it shows, besides \t and \n: C0, DEL, C1,
// bidi controls, and U+2028/2029 (line breaks to some consumers).
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Last line of defence for every output line (stdout and stderr): whatever a view forgot to
 * escape is written as a \uXXXX escape. In a JSON line the same escape is valid JSON that parses
 * back to the original character, so JSON stays exact and is still safe to print raw. */
export function guard(s: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(s) ? s.replace(UNSAFE, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) : s;
}

/** A user's name on the recorded host, or the id when the capture does not know it. */
export function userName(users: Map<number, string>, uid: number): string {
  return users.get(uid) ?? String(uid);
}
