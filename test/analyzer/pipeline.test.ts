// The read phase: a view that declares its kinds and fields prints exactly what it prints when
// the reader decodes everything, on the fixture and on a synthetic mix of every event kind.
import { describe, it, expect } from 'vitest';
import { HEADER, runView, writeCapture, kindOf, tmp } from '../helpers.js';
import { planFor, type View } from '../../analyzer/pipeline.js';
import { epermView } from '../../analyzer/views/eperm.js';
import { opensView } from '../../analyzer/views/opens.js';
import { execsView } from '../../analyzer/views/execs.js';
import { elfView } from '../../analyzer/views/elf.js';
import { commandView } from '../../analyzer/views/kinds.js';
import { infoView } from '../../analyzer/views/info.js';
import { mixed } from '../../bench/synth.js';
import { CaptureReader, type RecordInit } from '../../format/index.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assemble, rawFrames } from '../format/surgery.js';

/** The same view with its declarations removed: the reader then decodes every record whole. */
function undeclared(v: View): View {
  const { kinds: _k, fields: _f, framing: _g, ...rest } = v;
  return rest;
}

const VIEWS: [string, () => View][] = [
  ['eperm', () => epermView()], ['eperm by uid', () => epermView('uid')], ['eperm by pid', () => epermView('pid')],
  ['opens', () => opensView({ failed: false, extended: true, errname: true })],
  ['execs', () => execsView({ fails: true, time: true, maxArgs: 20 })],
  ['elf', () => elfView()], ['modules', () => commandView('modules')], ['readline', () => commandView('readline')], ['info', () => infoView()],
];

describe('read phase: declared kinds and fields', () => {
  const synth: RecordInit[] = [];
  for (const [r] of mixed(20_000)) synth.push(r);
  synth.push({ ts: 1e12, pid: 7, comm: Buffer.from('insmod'), moduleLoad: { name: Buffer.from('rootkit'), taints: 1 } });
  synth.push({ ts: 1e12 + 1, pid: 7, comm: Buffer.from('bash'), readline: { line: Buffer.from('id') } });
  synth.push({ ts: 1e12 + 2, lost: { probe: 'open', count: 3 } });
  const cap = writeCapture(synth, { frameBytes: 64 << 10 }).path;
  for (const file of ['fixtures/incident.cap', cap]) {
    for (const [name, make] of VIEWS) {
      it(`${name} on ${file === cap ? 'a synthetic mix' : 'the fixture'}`, async () => {
        const plan = planFor(make(), false);
        expect(plan).toBeDefined();
        const lazy = await runView(file, make());
        const whole = await runView(file, undeclared(make()));
        if (file === cap) expect(lazy.text.length).toBeGreaterThan(0);
        expect(lazy.text).toBe(whole.text);
        expect(lazy.warnings).toEqual(whole.warnings);
      });
    }
  }

  it('--info from the framing: frames chained, not decoded, and the same figures', async () => {
    const recs = [...mixed(30_000)].map(([r]) => r);
    const { path } = writeCapture(recs, { frameBytes: 32 << 10 });
    const framed = await runView(path, infoView(), { json: true });
    const whole = await runView(path, undeclared(infoView()), { json: true });
    expect(framed.text).toBe(whole.text);
    const withLoss = writeCapture([...recs, { ts: recs.at(-1)!.ts + 1, lost: { probe: 'tty', count: 9 } }], { frameBytes: 32 << 10 }).path;
    expect((await runView(withLoss, infoView())).text).toBe((await runView(withLoss, undeclared(infoView()))).text);
    // A truncated capture has no trailer: everything is decoded, and said so.
    const cut = join(tmp(), 'cut.cap');
    writeFileSync(cut, readFileSync(path).subarray(0, 40_000));
    const t = await runView(cut, infoView(), { json: true });
    expect(t.text).toBe((await runView(cut, undeclared(infoView()), { json: true })).text);
    expect(JSON.parse(t.text).integrity).toMatch(/^truncated after frame \d+$/);
  });

  it('a capture that names the syscall_error probe by its former name (eperm) still gets its warnings', async () => {
    const header = { ...HEADER, probes: [{ name: 'eperm', attached: false, reason: 'no raw tracepoints' }] };
    const { path } = writeCapture([{ ts: 1, pid: 1, tid: 1, lost: { probe: 'eperm', count: 5 } }], { header });
    const { warnings } = await runView(path, epermView());
    expect(warnings).toContain('probe eperm was not attached when recording (no raw tracepoints): this view may be empty');
    expect(warnings).toContain('5 eperm events were lost in the kernel while recording: this view has gaps');
  });

  it('a view of every kind also sees records without a body', async () => {
    expect(planFor(infoView(), false)!.kinds).toBeNull();
    const { bytes } = writeCapture([...mixed(2000)].map(([r]) => r), { frameBytes: 16 << 10 });
    const frames = rawFrames(bytes);
    frames.splice(2, 0, { raw: Buffer.concat(Array.from({ length: 500 }, () => Buffer.from([0x0a, 0x04, 0x08, 0x01, 0x10, 0x01]))), records: 500 });
    const path = join(tmp(), 'bodyless.cap');
    writeFileSync(path, assemble(bytes, frames));
    const a = await runView(path, infoView(), { json: true });
    expect(JSON.parse(a.text).records).toBe(2000 + 2 + 500);
    expect(a.text).toBe((await runView(path, undeclared(infoView()), { json: true })).text);
  });

  it('the skimming reader decompresses only the first and the last frame', async () => {
    const { path } = writeCapture([...mixed(30_000)].map(([r]) => r), { frameBytes: 32 << 10 });
    const r = new CaptureReader(path, { skim: true });
    const kinds = new Set<string>();
    for await (const f of r.frames()) for (const x of f.records) kinds.add(x.body ?? '');
    expect(kinds).toEqual(new Set(['header', 'trailer']));
    expect(r.skimmedFrames).toBe(r.frameCount - 2);
    expect(r.frameCount).toBeGreaterThan(10);
    expect(r.integrity().text).toBe('intact');
  });

  it('keeps what the tree and the loss counts need whole', () => {
    const plan = planFor(epermView(), true)!;
    expect(plan.kinds).toBeNull();
    for (const k of ['process', 'fork', 'exec', 'exit', 'lost', 'malformed'] as const) expect(plan.fields.has(k)).toBe(false);
    expect(plan.fields.get('open')).toEqual(new Set());
    expect(plan.fields.get('syscallError')).toEqual(new Set(['nr', 'errno', 'abi']));
    expect(planFor(epermView(), false)!.kinds).toEqual(new Set(['syscallError', 'lost', 'malformed']));
    expect(kindOf(synth[0]!)).toBe('open');
  });
});
