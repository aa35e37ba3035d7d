// Recorder settings with their defaults and bounds (also written to the capture header).

export interface RecorderSettings {
  output: string;
  force: boolean;
  durationMs: number;
  maxSize: number;
  probes: string[];
  maxArgs: number;
  argBytes: number;
  writeBytes: number;
  pathBytes: number;
  readlineBytes: number;
  dirDepth: number;
  stdio: boolean;
  ringBytes: number;
  bash: string[];
  quiet: boolean;
  verbose: boolean;
  frameBytes: number;
  flushMs: number;
  objDir: string;
  argv: string[];
}

/** Limits compiled into the BPF programs (bpf/events.h); settings are clamped to them. */
export const CAPS = {
  argBytesTotal: 32768,
  argBytes: 32768,
  writeBytes: 65535,
  pathBytes: 4096,
  readlineBytes: 16383,
  dirDepth: 24,
  maxArgs: 64,
} as const;

export const DEFAULTS = {
  maxArgs: 20,
  argBytes: 4096,
  writeBytes: 16384,
  pathBytes: 4096,
  readlineBytes: 4096,
  dirDepth: 16,
  ringBytes: 64 << 20,
  frameBytes: 1 << 20,
  flushMs: 1000,
} as const;
