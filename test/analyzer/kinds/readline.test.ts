// The readline kind (analyzer/kinds/readline.ts): its row.
import { describe, expect, it } from 'vitest';
import { b, HEAD, rowIn } from './kit.js';

describe('readline kind', () => {
  it('a readline row: the line raw and as text, and whether it was cut', () => {
    expect(rowIn('readline', { ...HEAD, readline: { line: b('sudo -l'), truncated: true } })).toMatchObject({ line_text: 'sudo -l', truncated: true });
  });

  it('a line that is not UTF-8 keeps its bytes, with no text', () => {
    const row = rowIn('readline', { ...HEAD, readline: { line: Buffer.from([0xff, 0x41]) } });
    expect(row['line_text']).toBeNull();
    expect(Buffer.from(row['line'] as Uint8Array)).toEqual(Buffer.from([0xff, 0x41]));
  });
});
