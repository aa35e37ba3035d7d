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

/** Lane sizes: an open record is ~150 ring bytes and an EACCES adds a 96-byte syscall error,
 * so the bulk lane holds ~500k denied opens unread (a 2M storm is read while it runs, at well
 * over its rate); an exec is ~0.3-1 KiB and a tty write up to 64 KiB, so the priority lane
 * holds ~60k execs or 500 full-size writes before the consumer must catch up. */
export const DEFAULTS = {
  maxArgs: 20,
  argBytes: CAPS.argBytes,
  argsBytes: 32768,
  writeBytes: 16384,
  pathBytes: CAPS.pathBytes,
  readlineBytes: 4096,
  dirDepth: 16,
  ringBytes: 128 << 20,
  prioRingBytes: 32 << 20,
  frameBytes: 1 << 20,
  flushMs: 1000,
  /** wake the consumer when a lane holds this much; below it, it polls every POLL_MS */
  wakeBytes: 256 << 10,
} as const;

/** The consumer's longest sleep when no lane asks to be woken. */
export const POLL_MS = 50;
