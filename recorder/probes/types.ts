// What a probe family is to the recorder: its object, how to attach it, how to decode its records.
import type { BodyKind, RecordInit } from '../../format/index.js';
import type { DecodeContext } from '../decode.js';
import type { RingEncoder } from '../encode.js';
import type { Libbpf, Ptr } from '../libbpf.js';
import type { RecorderSettings } from '../settings.js';

export interface Decoded { rec: RecordInit; kind: BodyKind }
export type Decoder = (buf: Buffer, off: number, size: number, ctx: DecodeContext) => Decoded;
/** Writes the record at off straight into the encoder's frame; throws ShortRecord if malformed. */
export type Encoder = (buf: Buffer, off: number, size: number, enc: RingEncoder) => void;

/** The ring a family's records travel in (bpf/common.bpf.h). */
export type Lane = 'prio' | 'bulk';

export interface Program { ptr: Ptr; name: string; section: string }

export interface AttachResult { links: Ptr[]; targets: string[]; failures: string[] }

export interface ProbeFamily {
  /** Name used by --probes / --no-NAME and in the capture header. */
  name: string;
  /** Compiled object in bpf/.output. */
  object: string;
  /** prio: lifecycle, exec, tty, readline, modules; bulk: opens and syscall errors. */
  lane: Lane;
  /** Reference decoders by enum event_kind (generated names: event_kind.EV_*). */
  decoders: Record<number, Decoder>;
  /** Fast wire encoders for the frequent kinds; a kind without one goes through its decoder. */
  encoders?: Record<number, Encoder>;
  /** Typical records of each kind it makes (ringRecord in warmup.ts), run through its decoders and
   * encoders at start so that V8 has compiled them before the first burst. */
  samples(): Buffer[];
  /** Reason the family cannot work on this host, checked before loading; null if it may. */
  unavailable?(settings: RecorderSettings): string | null;
  /** Programs to switch off before load (e.g. for a tracepoint this kernel lacks). */
  autoload?(prog: Program, settings: RecorderSettings): boolean;
  /** Custom attach (uprobes); default attaches each loaded program where its section says. */
  attach?(lib: Libbpf, progs: Program[], settings: RecorderSettings): AttachResult;
}

/** The option that switches a family off: --no-syscall-error for syscall_error. */
export const offFlag = (name: string): string => `--no-${name.replace(/_/g, '-')}`;
