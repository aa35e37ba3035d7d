// One lane's records → capture records: the fast encoder where the kind has one, else the
// reference decoder; a record either rejects is kept as a Malformed record (data, not a log line).
import { event_head as H, secrec_caps as CAP } from './layout.gen.js';
import { ShortRecord, head, type DecodeContext } from './decode.js';
import type { RingEncoder } from './encode.js';
import type { FrameBuffer } from './wire.js';
import type { Decoder, Encoder, ProbeFamily } from './probes/types.js';
import type { RingName } from './loader.js';
import type { RecordInit } from '../format/index.js';

export class LaneTranscoder {
  private readonly decoders = new Map<number, Decoder>();
  private readonly encoders = new Map<number, Encoder>();
  malformed = 0;

  /** lane 'spill': the spill ring, which either lane's families overflow into. */
  constructor(readonly lane: RingName, families: readonly ProbeFamily[], private readonly enc: RingEncoder,
    private readonly dctx: DecodeContext, private readonly onMalformed: (reason: string) => void = () => {}) {
    for (const f of families) {
      if (f.lane !== lane && lane !== 'spill') continue;
      for (const [k, d] of Object.entries(f.decoders)) this.decoders.set(Number(k), d);
      for (const [k, e] of Object.entries(f.encoders ?? {})) this.encoders.set(Number(k), e);
    }
  }

  get frame(): FrameBuffer { return this.enc.out; }

  /** Writes the record at buf[off, off + size) into the frame. */
  handle(buf: Buffer, off: number, size: number): void {
    const kind = size >= H.$size ? buf.readUInt16LE(off + H.kind) : -1;
    const mark = this.frame.pos;
    const records = this.frame.records;
    try {
      if (kind < 0) throw new ShortRecord(`record of ${size} bytes is shorter than its head (${H.$size})`);
      const declared = buf.readUInt32LE(off + H.size);
      if (declared !== size) throw new ShortRecord(`record says ${declared} bytes but the ring holds ${size}`);
      const enc = this.encoders.get(kind);
      if (enc) { enc(buf, off, size, this.enc); return; }
      const dec = this.decoders.get(kind);
      if (!dec) throw new ShortRecord(`unknown record kind ${kind} in the ${this.lane} lane`);
      const { rec, kind: body } = dec(buf, off, size, this.dctx);
      this.frame.add(rec, body);
    } catch (e) {
      if (!(e instanceof ShortRecord)) throw e;
      // an encoder may have begun writing before it found the fault: drop the partial record
      this.frame.rollback(mark, records);
      this.keep(buf, off, size, kind, e.message);
    }
  }

  private keep(buf: Buffer, off: number, size: number, kind: number, reason: string): void {
    this.malformed++;
    const rec: RecordInit = size >= H.$size ? head(buf, off, this.dctx.clock) : { ts: this.dctx.clock.now() };
    rec.malformed = { kind: Math.max(kind, 0), size, raw: Buffer.from(buf.subarray(off, off + Math.min(size, CAP.MALFORMED_KEEP))), reason, lane: this.lane };
    this.frame.add(rec, 'malformed');
    this.onMalformed(reason);
  }
}
