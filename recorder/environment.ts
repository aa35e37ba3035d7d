// Before anything is loaded: is this host able to record, and the exit codes set-up can end with.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { release } from 'node:os';
import { FAMILIES } from './probes/index.js';
import type { RecorderSettings } from './settings.js';

/** Exit codes of secrec (documented in the README). */
export const EXIT = { ok: 0, error: 1, usage: 2, environment: 3, output: 4, nothingAttached: 5 } as const;

export class SetupError extends Error {
  constructor(message: string, readonly exitCode: number) { super(message); this.name = 'SetupError'; }
}

/** Refuses to start, with the fix, when this host cannot record. */
export function checkEnvironment(s: RecorderSettings): void {
  if (process.getuid?.() !== 0) throw new SetupError('secrec must run as root (it loads BPF programs): sudo secrec ...', EXIT.environment);
  if (!existsSync('/sys/kernel/btf/vmlinux')) {
    throw new SetupError('this kernel has no BTF (/sys/kernel/btf/vmlinux): secrec needs a kernel built with CONFIG_DEBUG_INFO_BTF=y', EXIT.environment);
  }
  const m = /^(\d+)\.(\d+)/.exec(release());
  const [maj, min] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (maj < 5 || (maj === 5 && min < 17)) throw new SetupError(`kernel ${maj}.${min} is too old: secrec needs Linux 5.17 or later (BPF ring buffer, bpf_loop)`, EXIT.environment);
  const missing = FAMILIES.filter((f) => s.probes.includes(f.name) && !existsSync(join(s.objDir, f.object)));
  if (missing.length) {
    throw new SetupError(`BPF objects not built (${missing.map((f) => f.object).join(', ')} missing in ${s.objDir}): run npm run build:bpf`, EXIT.environment);
  }
}
