// What a probe family is to the recorder: its object, how to attach it, how to decode its records.
import type { BodyKind, RecordInit } from '../../format/index.js';
import type { DecodeContext } from '../decode.js';
import type { Libbpf, Ptr } from '../libbpf.js';
import type { RecorderSettings } from '../settings.js';

export interface Decoded { rec: RecordInit; kind: BodyKind }
export type Decoder = (buf: Buffer, off: number, size: number, ctx: DecodeContext) => Decoded;

export interface Program { ptr: Ptr; name: string; section: string }

export interface AttachResult { links: Ptr[]; targets: string[]; failures: string[] }

export interface ProbeFamily {
  /** Name used by --probes / --no-NAME and in the capture header. */
  name: string;
  /** Compiled object in bpf/.output. */
  object: string;
  summary: string;
  /** Decoders by enum event_kind. */
  decoders: Record<number, Decoder>;
  /** Reason the family cannot work on this host, checked before loading; null if it may. */
  unavailable?(settings: RecorderSettings): string | null;
  /** Programs to switch off before load (e.g. for a tracepoint this kernel lacks). */
  autoload?(prog: Program, settings: RecorderSettings): boolean;
  /** Custom attach (uprobes); default attaches each loaded program where its section says. */
  attach?(lib: Libbpf, progs: Program[], settings: RecorderSettings): AttachResult;
}
