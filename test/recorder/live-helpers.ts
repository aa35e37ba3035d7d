// Shared by the live recorder tests: start/stop secrec, read a capture.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll } from 'vitest';
import { CaptureReader, type CaptureRecord } from '../../format/index.js';

export const canRecord = process.getuid?.() === 0 && existsSync('/sys/kernel/btf/vmlinux') && existsSync('bpf/.output/exec.bpf.o');
if (!canRecord) console.warn('\n*** SKIPPING live recorder tests: need root, /sys/kernel/btf/vmlinux and built BPF objects (npm run build) ***\n');

export const SECREC = ['dist/recorder/cli.js'];

export interface Running { p: ChildProcess; stderr: () => string }

/** Recorders started by this test file and not yet exited: a test that fails between start and stop
 * must not leave one recording the rest of the run (and the next files' workloads). */
const running = new Set<ChildProcess>();
afterAll(() => { for (const p of running) p.kill('SIGKILL'); });

export function startRecorder(out: string, extra: string[] = [], stdout: 'ignore' | 'pipe' = 'ignore'): Promise<Running> {
  const p = spawn('node', [...SECREC, '-o', out, ...extra], { stdio: ['ignore', stdout, 'pipe'] });
  running.add(p);
  p.once('exit', () => running.delete(p));
  let err = '';
  return new Promise((resolve, reject) => {
    p.stderr!.on('data', (d) => { err += d; if (err.includes('recording to')) resolve({ p, stderr: () => err }); });
    p.on('exit', (c) => reject(new Error(`secrec exited ${c}: ${err}`)));
  });
}

export function stopRecorder(r: Running, sig: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
  return new Promise((resolve) => { r.p.removeAllListeners('exit'); r.p.on('exit', (c) => { running.delete(r.p); resolve(c); }); r.p.kill(sig); });
}

export async function readCaptureFile(path: string): Promise<{ r: CaptureReader; recs: CaptureRecord[] }> {
  const r = new CaptureReader(path);
  const recs: CaptureRecord[] = [];
  for await (const x of r.records()) recs.push(x);
  return { r, recs };
}

export const str = (b: Uint8Array | null | undefined): string => Buffer.from(b ?? []).toString('latin1');
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
