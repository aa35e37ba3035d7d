// Recorder settings with their defaults and bounds (also written to the capture header).
import { secrec_caps as CAP } from './layout.gen.js';

export interface RecorderSettings {
  output: string;
  force: boolean;
  durationMs: number;
  maxSize: number;
  probes: string[];
  maxArgs: number;
  argBytes: number;
  argsBytes: number;
  writeBytes: number;
  pathBytes: number;
  readlineBytes: number;
  dirDepth: number;
  stdio: boolean;
  /** bulk lane (opens, syscall errors) */
  ringBytes: number;
  /** priority lane (process lifecycle, exec, tty, readline, modules) */
  prioRingBytes: number;
  /** the ring both lanes overflow into when theirs is full */
  spillRingBytes: number;
  bash: string[];
  quiet: boolean;
  verbose: boolean;
  frameBytes: number;
  flushMs: number;
  objDir: string;
  argv: string[];
}

/** Limits compiled into the BPF programs (bpf/events.h, via the generated layout); settings are
 * bounded by them. Byte caps of strings count the text, not the NUL the kernel adds. */
export const CAPS = {
  argBytes: CAP.ARG_CAP - 1,
  argsBytes: CAP.ARGS_CAP,
  maxArgs: CAP.MAX_ARGV - 1,
  writeBytes: CAP.WRITE_CAP,
  pathBytes: CAP.PATH_CAP - 1,
  readlineBytes: CAP.READLINE_CAP - 1,
  dirDepth: CAP.DIR_DEPTH_CAP,
} as const;

/** Ring sizes. An open record is ~150 ring bytes and an EACCES adds a 96-byte syscall error. The
 * bulk lane is small, 16 MiB (~65k denied opens), so that a storm writes into memory still in the
 * CPU caches from its last turn (128 MiB cost the workload ~10 % more CPU per open, measured with
 * bench/objab.sh); the spill ring behind both lanes, 128 MiB (~500k denied opens, or ~1M with the
 * lane), holds what a stalled consumer has not read. An exec is ~0.3-1 KiB and a tty write up to
 * 64 KiB, so the priority lane holds ~60k execs or 500 full-size writes before it spills. */
export const DEFAULTS = {
  maxArgs: 20,
  argBytes: CAPS.argBytes,
  argsBytes: 32768,
  writeBytes: 16384,
  pathBytes: CAPS.pathBytes,
  readlineBytes: 4096,
  dirDepth: 16,
  ringBytes: 16 << 20,
  prioRingBytes: 32 << 20,
  spillRingBytes: 128 << 20,
  frameBytes: 1 << 20,
  flushMs: 1000,
  /** wake the consumer when a lane holds this much; below it, it reads them every POLL_MS-REST_MS */
  wakeBytes: 256 << 10,
} as const;

/** The consumer's longest wait when the rings were empty and no lane asks to be woken. */
export const REST_MS = 200;
/** Its sleep after a round that found only a few records. */
export const POLL_MS = 50;
