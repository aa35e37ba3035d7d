// Lines typed into bash (bpf/readline.bpf.c): uretprobes on bash's readline.
// readline_internal_teardown is preferred where bash exports it: it returns the same line and,
// unlike readline (whose return address was pushed before we attached), also catches the line
// being typed when recording starts. Each binary is attached once per inode.
import { readFileSync, realpathSync, statSync, readdirSync } from 'node:fs';
import { readline_event as R, event_kind as K, secrec_caps as CAP } from '../layout.gen.js';
import { capped, exact, head, need } from '../decode.js';
import { LibbpfError } from '../libbpf.js';
import type { AttachResult, ProbeFamily } from './types.js';
import { ringRecord } from '../warmup.js';

const FUNCS = ['readline_internal_teardown', 'readline'];
const LIB_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib64', '/usr/lib64', '/usr/lib', '/lib'];

/** Distinct bash binaries (by device and inode) among the candidates that exist. */
export function bashTargets(extra: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of ['/bin/bash', '/usr/bin/bash', ...extra]) {
    try {
      const real = realpathSync(p);
      const st = statSync(real);
      const key = `${st.dev}:${st.ino}`;
      if (!st.isFile() || seen.has(key)) continue;
      seen.add(key);
      out.push(real);
    } catch { /* not on this host */ }
  }
  return out;
}

function hasSymbol(path: string, name: string): boolean {
  // A cheap test before asking libbpf: the dynamic string table holds exported names.
  try { return readFileSync(path).includes(Buffer.from(`\0${name}\0`)); } catch { return false; }
}

function findLibreadline(): string | null {
  for (const d of LIB_DIRS) {
    try {
      const f = readdirSync(d).filter((n) => /^libreadline\.so\.\d+$/.test(n)).sort().pop();
      if (f) return realpathSync(`${d}/${f}`);
    } catch { /* no such dir */ }
  }
  return null;
}

export const readline: ProbeFamily = {
  name: 'readline',
  object: 'readline.bpf.o',
  lane: 'prio',
  attach(lib, progs, settings): AttachResult {
    const res: AttachResult = { links: [], targets: [], failures: [] };
    const own = progs.find((p) => p.name === 'handle_readline');
    const shared = progs.find((p) => p.name === 'handle_readline_lib');
    let needLib = false;
    for (const bin of bashTargets(settings.bash)) {
      const func = FUNCS.find((f) => hasSymbol(bin, f));
      if (!func || !own) {
        if (hasSymbol(bin, 'libreadline.so')) needLib = true;
        else res.failures.push(`${bin}: no readline symbol`);
        continue;
      }
      try {
        res.links.push(lib.attachUprobe(own.ptr, bin, func, true));
        res.targets.push(`${bin}:${func}`);
      } catch (e) {
        res.failures.push(`${bin}:${func}: ${(e as LibbpfError).message}`);
      }
    }
    if (needLib && shared) {
      const so = findLibreadline();
      if (!so) res.failures.push('bash links libreadline.so, which was not found');
      else {
        try {
          res.links.push(lib.attachUprobe(shared.ptr, so, 'readline', true));
          res.targets.push(`${so}:readline (bash only)`);
        } catch (e) {
          res.failures.push(`${so}:readline: ${(e as Error).message}`);
        }
      }
    }
    return res;
  },
  samples: () => { const line = Buffer.from('ls -la /tmp'); return [ringRecord(R, K.EV_READLINE, { line_len: ['u32', line.length] }, line)]; },
  decoders: {
    [K.EV_READLINE]: (buf, off, size, ctx) => {
      need(size, R.$size, 'readline');
      const rec = head(buf, off, ctx.clock);
      const n = capped(buf.readUInt32LE(off + R.line_len), CAP.READLINE_CAP - 1, 'readline line');
      exact(size, R.$size + n, 'readline');
      rec.readline = { line: Buffer.from(buf.subarray(off + R.$size, off + R.$size + n)), truncated: buf.readUInt32LE(off + R.truncated) !== 0 };
      return { rec, kind: 'readline' };
    },
  },
};
