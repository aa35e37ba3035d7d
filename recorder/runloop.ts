// The consuming loop's parts: the two lane rings with their transcoders, one bounded round of
// draining (the priority lane emptied before each batch of the bulk lane), and the rest between
// rounds. The Recorder (session.ts) drives them and owns frames, limits and the trailer.
import { Ring, RingWaiter, type OnRecord } from './ring.js';
import { LaneTranscoder } from './transcode.js';
import type { RingEncoder } from './encode.js';
import type { DecodeContext } from './decode.js';
import type { FrameBuffer } from './wire.js';
import type { LaneFds, RingName } from './loader.js';
import type { ProbeFamily } from './probes/types.js';
import { POLL_MS, REST_MS, type RecorderSettings } from './settings.js';

/** A ring, its transcoder, and the callback its drain hands each record to (made once). */
export interface LaneState { ring: Ring; lane: RingName; t: LaneTranscoder; on: OnRecord }

/** Records drained between frame-size checks, per lane: at most 128 x 64 KiB tty writes or
 *  2048 x 4 KiB paths (8 MiB) past frameBytes in the worst case. */
export const PRIO_BATCH = 128;
export const BULK_BATCH = 2048;
/** Fewer records than this in one round: the host is quiet enough to sleep between rounds. */
const TRICKLE = 1024;
/** Bulk batches per round before the loop looks at the clock, limits and the writer again. */
const BULK_BATCHES = 256;

/** Maps the rings and gives each its transcoder (the families of that lane decode its records;
 * every family, the spill ring's). */
export function openLanes(fds: LaneFds, s: RecorderSettings, families: readonly ProbeFamily[], enc: RingEncoder, dctx: DecodeContext,
  onMalformed: (lane: RingName, why: string) => void): { prio: LaneState; bulk: LaneState; spill: LaneState; waiter: RingWaiter } {
  const bytes = { prio: s.prioRingBytes, bulk: s.ringBytes, spill: s.spillRingBytes };
  const open = (lane: RingName): LaneState => {
    const t = new LaneTranscoder(lane, families, enc, dctx, (why) => onMalformed(lane, why));
    return { lane, ring: new Ring(fds[lane], bytes[lane], lane), t, on: (v, off, size) => t.handle(v, off, size) };
  };
  return { prio: open('prio'), bulk: open('bulk'), spill: open('spill'), waiter: new RingWaiter([fds.prio, fds.bulk, fds.spill]) };
}

/** One round. The rings are taken in batches small enough that a frame stays near frameBytes
 * whatever the records' sizes (a whole 32 MiB lane in one frame would make frames the reader must
 * refuse past 64 MiB); `flush` is called whenever the frame reaches frameBytes. The priority lane
 * is emptied before each batch of the others; the spill ring, which holds what overflowed a full
 * lane (older than what the lanes hold now), before the bulk lane. Returns the records taken. */
export function drainRound(prio: LaneState, bulk: LaneState, spill: LaneState, frame: FrameBuffer, frameBytes: number, flush: () => void): number {
  let n = 0;
  for (let i = 0; i < BULK_BATCHES; i++) {
    for (let p = PRIO_BATCH; p === PRIO_BATCH;) {
      p = prio.ring.drain(prio.on, PRIO_BATCH);
      n += p;
      if (frame.pos >= frameBytes) flush();
    }
    const s = spill.ring.drain(spill.on, PRIO_BATCH);
    n += s;
    if (frame.pos >= frameBytes) flush();
    const b = bulk.ring.drain(bulk.on, BULK_BATCH);
    n += b;
    if (frame.pos >= frameBytes) flush();
    if (b < BULK_BATCH && s < PRIO_BATCH) break;
  }
  return n;
}

/** Everything a lane still holds (at the end, once the programs are detached). */
export function drainAll(st: LaneState): void {
  while (st.ring.drain(st.on, 1 << 30) > 0) { /* until empty */ }
}

/** Between rounds: a round that took a full batch goes straight on. One that took a few records
 * (a trickle, or the start of a storm) sleeps POLL_MS, not woken by the rings, so that a storm is
 * read in large batches rather than one wakeup per 256 KiB (a tty storm at ~150 MB/s then woke
 * the consumer ~500 times a second, on a 2-core host where the workload needs both cores). One
 * that took nothing waits for a ring's wakeup (a lane past cfg.wake_bytes) or REST_MS. Neither
 * waits past the moment the open frame is due (flushMs after it began). */
export function rest(taken: number, waiter: RingWaiter, dueInMs: number): void {
  if (taken === 0) waiter.wait(Math.max(1, Math.min(REST_MS, dueInMs)));
  else if (taken < TRICKLE) sleepMs(Math.max(1, Math.min(POLL_MS, dueInMs)));
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms: number): void { Atomics.wait(sleeper, 0, 0, ms); }
