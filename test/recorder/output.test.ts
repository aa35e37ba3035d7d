// Output safety on a hostile host (issue 8 items 5, 6, 10): the attacker is uid 65534 and builds
// its directories with setpriv; secrec (root) must never write or unlink outside the directory it
// checked. Needs root (to play both sides); skipped with a message elsewhere.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openOutput, OutputError } from '../../recorder/output.js';

const root = process.getuid?.() === 0;
if (!root) console.warn('\n*** SKIPPING output safety tests: they need root (to act as both root and uid 65534) ***\n');

const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
const asNobody = (script: string): void => { execFileSync(NOBODY[0]!, [...NOBODY.slice(1), 'sh', '-c', script], { stdio: 'pipe' }); };

/** The exit code openOutput's refusal would give, or 0 when it opened (and then closes it). */
function attempt(path: string, force = false): { code: number; message: string } {
  try {
    openOutput(path, force).close();
    return { code: 0, message: '' };
  } catch (e) {
    if (e instanceof OutputError) return { code: e.exitCode, message: e.message };
    return { code: -1, message: `raw ${(e as Error).stack}` };
  }
}

describe.runIf(root)('output safety', () => {
  let base: string;
  let victim: string;
  let user: string;
  const racers: ChildProcess[] = [];

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'secrec-out-'));
    chmodSync(base, 0o755);
    victim = join(base, 'victim');
    mkdirSync(victim, { mode: 0o700 });
    writeFileSync(join(victim, 'out.cap'), 'precious');
    user = join(base, 'userdir');
    mkdirSync(user);
    chownSync(user, 65534, 65534);
    asNobody(`ln -s ${victim} ${user}/sub && mkdir ${user}/real`);
  });
  afterAll(() => {
    for (const r of racers) r.kill('SIGKILL');
    rmSync(base, { recursive: true, force: true });
  });

  it('never creates a file through a symlink in a parent directory', () => {
    const r = attempt(join(user, 'sub', 'new.cap'));
    expect(r.code).toBe(4);
    expect(r.message).toMatch(new RegExp(`${user}/sub is a symbolic link \\(to ${victim}\\)`));
    expect(readdirSync(victim)).toEqual(['out.cap']);
  });

  it('never unlinks through a symlink in a parent directory with --force', () => {
    expect(attempt(join(user, 'sub', 'out.cap'), true).code).toBe(4);
    expect(readFileSync(join(victim, 'out.cap'), 'utf8')).toBe('precious');
  });

  it('refuses a directory another user owns or anyone can write, unless sticky and ours', () => {
    const owned = attempt(join(user, 'real', 'x.cap'));
    expect(owned).toMatchObject({ code: 4, message: expect.stringMatching(/owner \(uid 65534\)/) });
    const open = join(base, 'world');
    mkdirSync(open); chmodSync(open, 0o777);
    expect(attempt(join(open, 'x.cap'))).toMatchObject({ code: 4, message: expect.stringMatching(/every user/) });
    asNobody(`mkdir ${user}/sticky && chmod 1777 ${user}/sticky`);
    expect(attempt(join(user, 'sticky', 'x.cap')).code).toBe(4); // sticky, but its owner could still remove our file
    expect(existsSync(join(open, 'x.cap')) || existsSync(join(user, 'sticky', 'x.cap'))).toBe(false);
  });

  it('in a sticky directory of ours, creates new files and replaces only its own', () => {
    const shared = join(base, 'shared');
    mkdirSync(shared); chmodSync(shared, 0o1777);
    expect(attempt(join(shared, 'new.cap')).code).toBe(0);
    expect(statSync(join(shared, 'new.cap'))).toMatchObject({ uid: 0, mode: 0o100600 });
    asNobody(`echo theirs > ${shared}/theirs.cap`);
    expect(attempt(join(shared, 'theirs.cap'), true)).toMatchObject({ code: 4, message: expect.stringMatching(/belongs to uid 65534/) });
    expect(readFileSync(join(shared, 'theirs.cap'), 'utf8')).toBe('theirs\n');
    expect(attempt(join(shared, 'new.cap'), true).code).toBe(0);
  });

  it('names a symlink at the target as a symlink, dangling or not, and a directory as a directory', () => {
    const d = mkdtempSync(join(tmpdir(), 'secrec-out-'));
    symlinkSync(join(victim, 'out.cap'), join(d, 'link.cap'));
    symlinkSync('/nonexistent/x', join(d, 'dangling.cap'));
    mkdirSync(join(d, 'adir'));
    for (const l of ['link.cap', 'dangling.cap']) {
      const r = attempt(join(d, l));
      expect(r.code).toBe(4);
      expect(r.message).toMatch(/is a symbolic link/);
      expect(r.message).not.toMatch(/already exists/);
    }
    expect(attempt(join(d, 'adir')).message).toMatch(/is a directory/);
    expect(attempt(join(d, 'adir'), true).message).toMatch(/is a directory/);
    expect(attempt(join(d, 'link.cap'), true).code).toBe(0); // the link itself is replaced
    expect(readFileSync(join(victim, 'out.cap'), 'utf8')).toBe('precious');
    rmSync(d, { recursive: true });
  });

  it('survives a parent swapped between a real directory and a symlink while it opens (200 tries)', async () => {
    const arena = join(base, 'arena');
    mkdirSync(arena); chownSync(arena, 65534, 65534);
    mkdirSync(join(arena, 'sub'), { mode: 0o755 }); // root's own directory, inside the attacker's
    const racer = spawn(NOBODY[0]!, [...NOBODY.slice(1), 'sh', '-c',
      `cd ${arena}; while :; do mv sub s2; ln -s ${victim} sub; rm sub; mv s2 sub; done`], { stdio: 'ignore' });
    racers.push(racer);
    await new Promise((r) => setTimeout(r, 50));
    const codes = new Map<number, number>();
    for (let i = 0; i < 200; i++) {
      const r = attempt(join(arena, 'sub', i % 2 ? 'out.cap' : `n${i}.cap`), i % 2 === 1);
      if (r.code === -1) throw new Error(r.message);
      codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
    }
    racer.kill('SIGKILL');
    expect([...codes.keys()].every((c) => c === 0 || c === 4)).toBe(true);
    expect(readdirSync(victim)).toEqual(['out.cap']);
    expect(readFileSync(join(victim, 'out.cap'), 'utf8')).toBe('precious');
  }, 30_000);

  it('--force while another process deletes and re-creates the name: opened or refused (4), never a raw error', async () => {
    const d = mkdtempSync(join(tmpdir(), 'secrec-out-'));
    const target = join(d, 'race.cap');
    const racer = spawn('perl', ['-e', 'while (1) { open(my $f, ">", $ARGV[0]); close $f; unlink $ARGV[0] }', target], { stdio: 'ignore' });
    racers.push(racer);
    await new Promise((r) => setTimeout(r, 50));
    const codes = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const r = attempt(target, true);
      if (r.code === -1) throw new Error(r.message);
      codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
    }
    racer.kill('SIGKILL');
    expect([...codes.keys()].every((c) => c === 0 || c === 4)).toBe(true);
    expect(codes.get(0) ?? 0).toBeGreaterThan(0);
    rmSync(d, { recursive: true });
  }, 30_000);

  it('discard() removes the file it created, and only that file', () => {
    const d = mkdtempSync(join(tmpdir(), 'secrec-out-'));
    const p = join(d, 'x.cap');
    openOutput(p, false).discard();
    expect(existsSync(p)).toBe(false);
    const o = openOutput(p, false);
    rmSync(p);
    writeFileSync(p, 'someone else');
    o.discard();
    expect(readFileSync(p, 'utf8')).toBe('someone else');
    rmSync(d, { recursive: true });
  });

  it('refuses a terminal on stdout with exit 4', () => {
    const out = execFileSync('script', ['-qec', `node -e "import('${join(process.cwd(), 'dist/recorder/output.js')}').then((m) => { try { m.openOutput('-', false); } catch (e) { console.log('code ' + e.exitCode + ' ' + e.message); } })"`, '/dev/null'], { encoding: 'utf8' });
    expect(out).toMatch(/code 4 refusing to write a binary capture to a terminal/);
  });
});

const canRecord = root && existsSync('/sys/kernel/btf/vmlinux') && existsSync('bpf/.output/exec.bpf.o');
if (root && !canRecord) console.warn('\n*** SKIPPING secrec output summary tests: need /sys/kernel/btf/vmlinux and built BPF objects ***\n');

/** Runs secrec to the end; its exit code and stderr. */
function secrec(args: string[], shell?: string): Promise<{ code: number | null; err: string }> {
  const cmd = shell ?? `exec node dist/recorder/cli.js ${args.map((a) => `'${a}'`).join(' ')}`;
  const p = spawn('sh', ['-c', cmd], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr!.on('data', (d) => { err += d; });
  return new Promise((resolve) => p.on('exit', (code) => resolve({ code, err })));
}

describe.runIf(canRecord)('secrec end summary and refused output', () => {
  it('`| true`: counts the 0 bytes that reached the pipe, not what was made', async () => {
    const { code, err } = await secrec([], 'exec bash -c \'node dist/recorder/cli.js -o - -d 3s | true; exit ${PIPESTATUS[0]}\'');
    expect(code).toBe(1);
    expect(err).toMatch(/stopped \(output closed \(EPIPE\)\)/);
    expect(err).toMatch(/written: 0 B in 0 frames/);
    expect(err).not.toMatch(/SHA-256 chain/);
  }, 60_000);

  it('disk full: the summary counts exactly the frames and records in the file', async () => {
    const mnt = mkdtempSync(join(tmpdir(), 'secrec-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=192k,mode=0700', 'tmpfs', mnt]);
    const load = spawn('sh', ['-c', 'while :; do find /usr /etc -xdev >/dev/null 2>&1; done'], { stdio: 'ignore', detached: true });
    try {
      const out = join(mnt, 'full.cap');
      const { code, err } = await secrec([ '-o', out, '--flush-ms', '50', '-d', '50s']);
      expect(code).toBe(1);
      expect(err).toMatch(/stopped \(disk full\)/);
      const m = /: (\d+) records \(.*written: .* in (\d+) frames/.exec(err)!;
      expect(m).not.toBeNull();
      const { CaptureReader } = await import('../../format/index.js');
      const r = new CaptureReader(out);
      let n = 0;
      for await (const _ of r.records()) n++;
      expect(r.integrity().verdict).toBe('truncated');
      expect(Number(m[2])).toBe(r.frameCount);
      expect(Number(m[1])).toBe(n);
      expect(r.frameCount).toBeGreaterThan(1);
    } finally {
      process.kill(-load.pid!, 'SIGKILL');
      execFileSync('umount', [mnt]);
    }
  }, 90_000);

  it('refuses a terminal on stdout, a symlink (named as one) and a symlinked parent with exit 4', async () => {
    const tty = await secrec([], "script -qec 'node dist/recorder/cli.js -o - -d 1s' /dev/null");
    expect(tty.code).toBe(4);
    const d = mkdtempSync(join(tmpdir(), 'secrec-out-'));
    symlinkSync('/etc/passwd', join(d, 'l.cap'));
    const link = await secrec(['-o', join(d, 'l.cap'), '-d', '1s']);
    expect(link.code).toBe(4);
    expect(link.err).toMatch(/l\.cap is a symbolic link \(to \/etc\/passwd\)/);
    symlinkSync(d, join(d, 'up'));
    const parent = await secrec(['-o', join(d, 'up', 'x.cap'), '-d', '1s']);
    expect(parent.code).toBe(4);
    expect(parent.err).toMatch(/up is a symbolic link/);
    rmSync(d, { recursive: true });
  }, 60_000);
});
