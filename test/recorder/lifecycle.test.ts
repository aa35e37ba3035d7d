// Issue 8, live: signals at random points of set-up end with a readable file that says why,
// tracefs mounted by secrec is unmounted again, and a recorder writing to a pipe does not
// record the pipe's reader (no feedback through --stdio).
import { describe, it, expect, afterAll } from 'vitest';
import { spawn, execFileSync, execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canRecord, readCaptureFile, sleep, SECREC, str } from './live-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'secrec-life-'));
const tracefsMounted = () => readFileSync('/proc/self/mounts', 'utf8').split('\n').some((l) => l.split(' ')[2] === 'tracefs');

describe.runIf(canRecord)('secrec start-up and feedback (live)', () => {
  const hadTracefs = canRecord && tracefsMounted();
  afterAll(() => { if (hadTracefs && !tracefsMounted()) execSync('mount -t tracefs nodev /sys/kernel/tracing'); });

  it('a signal at any point of set-up leaves a readable file saying why, and no tracefs mount (20 runs)', async () => {
    // secrec mounts tracefs itself when it is absent: take it away so every run must clean up
    if (tracefsMounted()) execSync('umount /sys/kernel/tracing');
    let seed = 11;
    const results: { delay: number; code: number | null; verdict: string; reason: string }[] = [];
    for (let i = 0; i < 20; i++) {
      seed = (seed * 48271) % 2147483647;
      const delay = 300 + (seed % 2700);
      const out = join(dir, `sig-${i}.cap`);
      const p = spawn('node', [...SECREC, '-o', out, '-q'], { stdio: 'ignore' });
      await sleep(delay);
      const sig = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const)[i % 3]!;
      const code = await new Promise<number | null>((resolve) => { p.on('exit', (c) => resolve(c)); p.kill(sig); });
      // (another recorder on this host, started meanwhile, may have mounted it for itself)
      const others = execSync('pgrep -f "recorder/cli.js" || true', { encoding: 'utf8' }).trim();
      if (!others) expect(tracefsMounted(), `run ${i}: tracefs left mounted`).toBe(false);
      if (!existsSync(out)) { results.push({ delay, code, verdict: 'no file (signal before the output was opened)', reason: '' }); expect(code).not.toBe(0); continue; }
      const { r } = await readCaptureFile(out);
      const integ = r.integrity();
      results.push({ delay, code, verdict: integ.verdict, reason: r.trailer?.reason ?? '' });
      expect(integ.verdict, `run ${i} after ${delay} ms`).toBe('intact');
      expect(r.trailer?.reason).toBe(`signal ${sig}`);
      expect(code).toBe(0);
      expect(statSync(out).mode & 0o777).toBe(0o600);
    }
    // some runs must have been cut during set-up, and some after it
    expect(results.filter((x) => x.verdict === 'intact').length, JSON.stringify(results)).toBeGreaterThanOrEqual(15);
    // no program of ours is left loaded (unless another recorder runs on this host right now)
    if (!execSync('pgrep -f "recorder/cli.js" || true', { encoding: 'utf8' }).trim()) {
      const bpfLeft = execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' });
      expect(JSON.parse(bpfLeft).filter((p: { name?: string }) => /^handle_/.test(p.name ?? '')).length).toBe(0);
    }
  }, 180_000);

  it('does not record the reader of its own output pipe with --stdio (no feedback loop)', async () => {
    const out = join(dir, 'pipe.cap');
    // `secrec -o - --stdio | cat > out`: cat writes the capture to fd 1; recording that grows the capture forever
    const p = spawn('bash', ['-c', `exec node ${SECREC.join(' ')} -o - --stdio -d 4s -q | cat > ${out}`], { stdio: 'ignore' });
    await new Promise((r) => p.on('exit', r));
    const { r, recs } = await readCaptureFile(out);
    expect(r.integrity().verdict).toBe('intact');
    // cat's writes would carry the capture's own frames (their "SECF" prefixes) back into it
    const echoed = recs.filter((x) => x.body === 'ttyWrite' && str(x.comm) === 'cat' && str(x.ttyWrite!.data).includes('SECF'));
    expect(echoed).toEqual([]);
    expect(statSync(out).size).toBeLessThan(4 << 20);
  }, 60_000);
});

describe.runIf(canRecord)('probe selection by a family\'s former name (live)', () => {
  const dir = canRecord ? mkdtempSync(join(tmpdir(), 'secrec-names-')) : '';
  const probesOf = async (args: string[]) => {
    const out = join(dir, `${args.join('_').replace(/\W/g, '')}.cap`);
    execFileSync('node', [...SECREC, '-o', out, '-q', '-d', '1s', ...args]);
    const { r } = await readCaptureFile(out);
    return new Map((r.header?.probes ?? []).map((p) => [p.name, p]));
  };

  it('--no-eperm switches syscall_error off, as --no-syscall-error does; --probes eperm selects it', async () => {
    for (const off of ['--no-eperm', '--no-syscall-error']) {
      const p = (await probesOf(['--probes', 'exec,syscall_error', off])).get('syscall_error');
      expect(p).toMatchObject({ attached: false, reason: 'not selected (--probes / --no-syscall-error)' });
    }
    expect((await probesOf(['--probes', 'exec,eperm'])).get('syscall_error')?.attached).toBe(true);
  }, 60_000);
});
