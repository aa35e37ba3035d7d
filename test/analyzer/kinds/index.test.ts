// The list of analyzer kinds (analyzer/kinds/index.ts): what ties each kind to the recorder and the
// .proto, which the compiler cannot see (names are strings on both sides).
import { describe, expect, it } from 'vitest';
import { BODY_FIELD } from '../../../format/index.js';
import { FAMILY_NAMES } from '../../../recorder/probes/index.js';
import { KINDS } from '../../../analyzer/kinds/index.js';
import { BUILTIN } from '../../../analyzer/commands.js';

describe('analyzer kinds', () => {
  it('each kind names a probe family the recorder has (the name in the capture header)', () => {
    for (const k of KINDS) expect(FAMILY_NAMES, `${k.table.name}: probe ${k.probe}`).toContain(k.probe);
  });

  it('each kind reads its own body, and the list is in the .proto\'s body order', () => {
    const bodies = KINDS.map((k) => k.body);
    expect(new Set(bodies).size).toBe(bodies.length);
    expect(bodies.map((b) => BODY_FIELD[b])).toEqual(bodies.map((b) => BODY_FIELD[b]).sort((x, y) => x - y));
  });

  it('table names, timeline items and command names are each unique, commands among all the commands', () => {
    const tables = KINDS.map((k) => k.table.name);
    expect(new Set(tables).size).toBe(tables.length);
    const items = KINDS.flatMap((k) => (k.timeline ? [k.timeline.item] : []));
    expect(new Set(items).size).toBe(items.length);
    const names = BUILTIN.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const k of KINDS) for (const c of [...(k.view ? [k.view.command] : []), ...(k.commands ?? []).map((x) => x.name)]) expect(names).toContain(c);
  });
});
