// `info --json`: one object whose keys are the documented ones (INFO_KEYS, listed in docs/schema.md),
// in the schema's snake_case like every other --json, down to the kinds and settings inside it.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { runView } from '../../helpers.js';
import { infoView, INFO_KEYS } from '../../../analyzer/views/info.js';

describe('info --json', () => {
  it('has the documented keys, in order, in snake_case', async () => {
    const info = JSON.parse((await runView('fixtures/incident.cap', infoView(), { json: true })).text);
    expect(Object.keys(info)).toEqual(INFO_KEYS.map(([k]) => k));
    const doc = readFileSync('docs/schema.md', 'utf8');
    const section = doc.slice(doc.indexOf('## `secanalyze info --json`'));
    for (const [k] of INFO_KEYS) expect(section, k).toContain(`| \`${k}\` |`);
    const snake = /^[a-z0-9_]+$/;
    for (const k of [...Object.keys(info), ...Object.keys(info.events_per_kind), ...Object.keys(info.settings), ...Object.keys(info.probes[0])]) expect(k).toMatch(snake);
    expect(info).toMatchObject({ hostname: 'vm', events_per_kind: { syscall_error: 2, tty_write: 24 }, clean_end: true });
  });
});
