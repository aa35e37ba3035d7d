// `info --json`: one object whose keys are the documented ones (INFO_KEYS, listed in docs/schema.md),
// in the schema's snake_case like every other --json, down to the kinds and settings inside it.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEADER, kindOf, runView, tmp } from '../../helpers.js';
import { infoView, INFO_KEYS } from '../../../analyzer/views/info.js';
import { run } from '../../../analyzer/pipeline.js';
import { MemorySink } from '../../../analyzer/render.js';
import { CaptureWriter, type RecordInit } from '../../../format/index.js';

/** A capture with lost records over several frames; the trailer's loss table as given (absent: none). */
function lossy(table?: { probe: string; lane: string; count: number }[]): string {
  const chunks: Buffer[] = [];
  const w = new CaptureWriter((b) => chunks.push(Buffer.from(b)), { frameBytes: 4096 });
  w.start(HEADER);
  const lost = new Map<string, number>();
  for (let i = 0; i < 3000; i++) {
    const r: RecordInit = i % 100 === 7
      ? { ts: i * 1000, lost: { probe: i % 200 === 7 ? 'open' : 'exec', lane: i % 200 === 7 ? 'bulk' : 'prio', count: 5 + (i % 3) } }
      : { ts: i * 1000, pid: 10 + (i % 7), comm: Buffer.from('cat'), syscallError: { nr: 257, errno: 13 } };
    if (r.lost) lost.set(`${r.lost.probe} ${r.lost.lane}`, (lost.get(`${r.lost.probe} ${r.lost.lane}`) ?? 0) + Number(r.lost.count));
    w.add(r, kindOf(r));
  }
  const total = [...lost.values()].reduce((a, b) => a + b, 0);
  w.finish({ clean: true, reason: 'test', lost: total, ts: 3e6, lostByProbe: table ?? [...lost].map(([k, count]) => { const [probe, lane] = k.split(' ') as [string, string]; return { probe, lane, count }; }) });
  const path = join(tmp(), 'lossy.cap');
  writeFileSync(path, Buffer.concat(chunks));
  return path;
}

async function info(file: string, json: boolean): Promise<{ text: string; warnings: string[]; skimmed: number }> {
  const sink = new MemorySink();
  const warnings: string[] = [];
  const ctx = await run(infoView(), { file, format: json ? 'json' : 'text', output: sink, filters: {}, warn: (m) => warnings.push(m) });
  return { text: sink.text, warnings, skimmed: ctx.reader.skimmedFrames };
}

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

describe('info from the framing of a capture with lost events', () => {
  it('takes loss per probe from the trailer\'s table, without reading the frames, and says what the lost records say', async () => {
    const withTable = lossy();
    const none = lossy([]); // a recorder before the table: the lost records are read
    const wrong = lossy([{ probe: 'open', lane: 'bulk', count: 1 }]); // a table that does not add up to `lost`: not trusted
    for (const json of [false, true]) {
      const a = await info(withTable, json);
      const b = await info(none, json);
      const c = await info(wrong, json);
      expect(a.skimmed).toBeGreaterThan(10);
      expect(b.skimmed).toBe(0);
      expect(c.skimmed).toBe(0);
      // the three differ only in their trailer: its size and the chain value, and the file's name
      const SIZES = /^(File|Compressed bytes|Uncompressed bytes|Bytes per event|SHA-256 chain):.*$/gm;
      const same = (t: string): string => (json
        ? JSON.stringify({ ...JSON.parse(t), file: 0, compressed_bytes: 0, uncompressed_bytes: 0, bytes_per_event: 0, compression_ratio: 0, chain: 0 })
        : t.replace(SIZES, ''));
      expect(same(a.text)).toBe(same(b.text));
      expect(same(c.text)).toBe(same(b.text));
      expect(a.warnings).toEqual(b.warnings);
    }
    const j = JSON.parse((await info(withTable, true)).text);
    expect(Object.keys(j.lost_per_probe).sort()).toEqual(['exec', 'open']);
    expect(j.lost_total).toBeGreaterThan(100);
  });
});
