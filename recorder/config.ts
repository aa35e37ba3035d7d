// The settings block every object gets in .rodata (struct secrec_config), written by the offsets
// generated from BTF, and the output pipe whose readers are not traced.
import { fstatSync } from 'node:fs';
import { secrec_config as CFG } from './layout.gen.js';
import { CAPS, DEFAULTS, type RecorderSettings } from './settings.js';
import { kernelDev } from './host.js';

/** The settings block the programs read from .rodata (struct secrec_config). */
export function encodeConfig(s: RecorderSettings, initial: Buffer | null, size: number, selfPid: number, out: { ino: bigint; dev: number } | null): Buffer {
  const b = Buffer.alloc(Math.max(size, CFG.$size));
  initial?.copy(b);
  b.writeUInt32LE(selfPid, CFG.self_tgid);
  b.writeUInt32LE(Math.min(s.argBytes, CAPS.argBytes) + 1, CFG.arg_bytes);
  b.writeUInt32LE(Math.min(s.writeBytes, CAPS.writeBytes), CFG.write_bytes);
  b.writeUInt32LE(Math.min(s.pathBytes, CAPS.pathBytes), CFG.path_bytes);
  b.writeUInt32LE(Math.min(s.readlineBytes, CAPS.readlineBytes), CFG.readline_bytes);
  b.writeUInt32LE(s.stdio ? 1 : 0, CFG.stdio);
  b.writeUInt32LE(Math.min(s.dirDepth, CAPS.dirDepth), CFG.dir_depth);
  // one more than kept, so the kernel can tell "exactly max" from "more than max"
  b.writeUInt32LE(Math.min(s.maxArgs + 1, CAPS.maxArgs + 1), CFG.max_args);
  b.writeUInt32LE(Math.min(s.argsBytes, CAPS.argsBytes), CFG.args_bytes);
  b.writeUInt32LE(DEFAULTS.wakeBytes, CFG.wake_bytes);
  b.writeBigUInt64LE(out?.ino ?? 0n, CFG.out_ino);
  b.writeUInt32LE(out?.dev ?? 0, CFG.out_dev);
  return b.subarray(0, size);
}

/** When the capture goes to a pipe, its inode: the pipe's readers are not traced (feedback). */
export function outputPipe(fd: number): { ino: bigint; dev: number } | null {
  try {
    const st = fstatSync(fd, { bigint: true });
    return st.isFIFO() ? { ino: st.ino, dev: kernelDev(st.dev) } : null;
  } catch { return null; }
}
