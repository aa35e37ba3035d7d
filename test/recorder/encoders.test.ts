// The recorder's fast path, without root: synthetic ring records of every kind (edge values,
// empty and full-size tails) go through the wire encoders and through the reference decoders
// + protobufjs; both must decode to the same record. Malformed records are kept, not dropped.
import { describe, it, expect } from 'vitest';
import * as L from '../../recorder/layout.gen.js';
import { pb, type CaptureRecord } from '../../format/index.js';
import { BODY_TAG, RingEncoder } from '../../recorder/encode.js';
import { FrameBuffer } from '../../recorder/wire.js';
import { ctx } from './records.js';
import { K, MAKERS, headOf, plain, reference, transcode } from './records.js';

describe('wire encoders', () => {
  it('has a random record maker for every kind in enum event_kind', () => {
    expect(Object.keys(MAKERS).map(Number).sort()).toEqual(Object.values(K).sort());
  });

  it.each(Object.keys(MAKERS).map(Number))('kind %i: fast path decodes to what the reference path gives (300 random records)', (kind) => {
    const recs = Array.from({ length: 300 }, () => MAKERS[kind]!());
    const { out, malformed } = transcode(recs);
    expect(malformed).toBe(0);
    expect(out).toHaveLength(recs.length);
    out.forEach((r, i) => expect(plain(r)).toEqual(plain(reference(recs[i]!))));
  });

  it('writes a body tag past field 15 (cred, 23) in two bytes', () => {
    const frame = new FrameBuffer(1024);
    const enc = new RingEncoder(ctx, frame);
    const r = MAKERS[K.EV_CRED]!();
    enc.head(r, 0, r.length, L.event_head.$size, 'cred');
    enc.begin('cred', BODY_TAG.cred, 2);
    enc.out.vf(1, 4);
    const [rec] = pb.Capture.decode(frame.take().raw).record as CaptureRecord[];
    expect(rec!.body).toBe('cred');
    expect(rec!.cred!.call).toBe(4);
    expect(plain(rec!)).toMatchObject({ pid: plain(reference(r)).pid, comm: plain(reference(r)).comm });
  });

  it('keeps a malformed record as data, with its bytes and why, and goes on', () => {
    const good = MAKERS[K.EV_SYSCALL_ERROR]!();
    const short = good.subarray(0, 40);
    // a path well under its cap, so that the lie is about the record's size, not the cap
    let lying = MAKERS[K.EV_OPEN]!();
    while (lying.readUInt16LE(L.open_event.path_len) > 4000) lying = MAKERS[K.EV_OPEN]!();
    lying.writeUInt16LE(lying.readUInt16LE(L.open_event.path_len) + 5, L.open_event.path_len);
    const unknown = headOf(99, 64);
    const badSize = MAKERS[K.EV_FORK]!(); badSize.writeUInt32LE(4096, L.event_head.size);
    const overCap = MAKERS[K.EV_TTY]!(); overCap.writeUInt32LE(70_000, L.tty_event.data_len);
    const badArgc = MAKERS[K.EV_EXEC]!(); badArgc.writeUInt16LE(1, L.exec_event.source); badArgc.writeUInt16LE(999, L.exec_event.argc);
    const { out, malformed } = transcode([good, short, lying, unknown, badSize, overCap, badArgc, good]);
    expect(malformed).toBe(6);
    expect(out.map((r) => r.body)).toEqual(['syscallError', 'malformed', 'malformed', 'malformed', 'malformed', 'malformed', 'malformed', 'syscallError']);
    const m = out.filter((r) => r.malformed).map((r) => r.malformed!);
    expect(m[0]!.size).toBe(40);
    expect(Buffer.from(m[0]!.raw!)).toEqual(short);
    expect(m[1]!.reason).toMatch(/open record of \d+ bytes, but its lengths add up to \d+/);
    expect(m[2]!.reason).toMatch(/unknown record kind 99/);
    expect(m[3]!.reason).toMatch(/record says 4096 bytes/);
    expect(m[4]!.reason).toMatch(/exceeds its cap/);
    expect(m[5]!.reason).toMatch(/exec argv holds/);
    expect(m.every((x) => x.lane === 'prio' || x.lane === 'bulk')).toBe(true);
  });
});
