// The module kind (analyzer/kinds/module.ts): its row and its timeline line.
import { describe, expect, it } from 'vitest';
import { kind } from '../../../analyzer/kinds/module.js';
import { b, HEAD, rowIn } from './kit.js';

describe('module kind', () => {
  it('a modules row: the name as bytes and text, the taint mask', () => {
    expect(rowIn('modules', { ...HEAD, moduleLoad: { name: b('rootkit'), taints: 4096 } })).toMatchObject({ name_text: 'rootkit', taints: 4096 });
  });

  it('timeline: a marked line, the name escaped', () => {
    const line = kind.timeline!.text({ name: b('x\x1b[2J') } as never, { ...HEAD } as never);
    expect(line).toBe('!! module loaded: x\\e[2J (bash pid 700)');
  });
});
