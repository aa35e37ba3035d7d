// The npm package as a user gets it: `npm pack`, install the tarball into an empty directory, run
// secanalyze from there (also with zstd-napi gone: the wasm fallback), and secrec when root + BTF.
// Packs with --ignore-scripts: the build is CI's earlier step (prepack would rebuild dist/ under
// the other tests' feet).
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve('.');
const FIXTURE = join(REPO, 'fixtures/incident.cap');
const npmOk = spawnSync('npm', ['--version'], { stdio: 'ignore' }).status === 0;
const built = existsSync('dist/analyzer/cli.js') && existsSync('bpf/.output/exec.bpf.o');
const canRecord = process.getuid?.() === 0 && existsSync('/sys/kernel/btf/vmlinux');
if (!npmOk) console.warn('\n*** SKIPPING package test: npm is not on PATH ***\n');
else if (!built) console.warn('\n*** SKIPPING package test: run npm run build first (dist/ and bpf/.output/) ***\n');

const FAMILIES = readdirSync('bpf').filter((f) => f.endsWith('.bpf.c')).map((f) => f.slice(0, -'.bpf.c'.length));
const dir = mkdtempSync(join(tmpdir(), 'secrec-pack-'));
const app = join(dir, 'app');
const bin = (name: string): string => join(app, 'node_modules', '.bin', name);
const pkg = join(app, 'node_modules', 'secrec');
let tarball = '';
let entries: string[] = [];

const run = (file: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(file, args, { cwd: app, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000, maxBuffer: 1 << 26 });

/** Runs `fn` with the installed zstd-napi moved away, as on a laptop where it did not compile. */
function withoutZstdNapi<T>(fn: () => T): T {
  const z = join(app, 'node_modules', 'zstd-napi');
  renameSync(z, z + '.off');
  try { return fn(); } finally { renameSync(z + '.off', z); }
}

const backendOf = (env: NodeJS.ProcessEnv = {}): string =>
  run(process.execPath, ['--input-type=module', '-e', `import(${JSON.stringify(join(pkg, 'dist/format/zstd.js'))}).then((m) => console.log(m.zstdBackend))`], env).stdout.trim();

describe.skipIf(!npmOk || !built)('npm package', () => {
  // Asynchronous: a minute-long synchronous install would starve vitest's worker RPC.
  beforeAll(async () => {
    const sh = promisify(execFile);
    const { stdout: out } = await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { encoding: 'utf8' });
    const info = (JSON.parse(out) as { filename: string; files: { path: string }[] }[])[0]!;
    tarball = join(dir, info.filename);
    entries = info.files.map((f) => f.path);
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), '{ "name": "pack-test", "private": true }\n');
    const flags = ['install', '--no-audit', '--no-fund', '--no-package-lock', tarball];
    // From npm's cache when it holds everything (CI's npm install filled it), else from the registry.
    const opts = { cwd: app, timeout: 240_000, maxBuffer: 1 << 24 };
    await sh('npm', [...flags, '--offline'], opts).catch(() => sh('npm', [...flags, '--prefer-offline'], opts));
  }, 400_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ships the programs and a compiled BPF object per family, and no tests, bench or vmlinux.h', () => {
    expect(FAMILIES.length).toBeGreaterThan(5);
    for (const f of FAMILIES) expect(entries).toContain(`bpf/.output/${f}.bpf.o`);
    for (const f of ['dist/analyzer/cli.js', 'dist/recorder/cli.js', 'dist/analyzer/library.d.ts', 'dist/format/gen/capture.js', 'fixtures/incident.cap']) expect(entries).toContain(f);
    const stray = entries.filter((e) => /^(test|bench|dist\/bench|notebooks|scripts)\/|vmlinux|\.map$|(?<!\.d)\.ts$/.test(e));
    expect(stray).toEqual([]);
  });

  it('installs both commands', () => {
    for (const b of ['secrec', 'secanalyze']) expect(existsSync(bin(b)), b).toBe(true);
    expect(run(bin('secanalyze'), ['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('secanalyze info reads the fixture from the install, with zstd-napi and without it (wasm)', () => {
    const mine = execFileSync(process.execPath, ['dist/analyzer/cli.js', 'info', FIXTURE], { encoding: 'utf8' });
    const r = run(bin('secanalyze'), ['info', FIXTURE]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Integrity:\s+intact/);
    expect(r.stdout).toBe(mine);
    expect(backendOf()).toBe('zstd-napi');
    withoutZstdNapi(() => {
      expect(backendOf()).toBe('zstddec');
      const w = run(bin('secanalyze'), ['info', FIXTURE]);
      expect(w.status, w.stderr).toBe(0);
      expect(w.stdout).toBe(mine);
    });
  });

  it.skipIf(!canRecord)('secrec records 2 s with the packaged BPF objects (default --obj-dir), and the capture reads back', () => {
    const cap = join(dir, 'x.cap');
    const r = run(bin('secrec'), ['-o', cap, '-d', '2s']);
    expect(r.status, r.stderr).toBe(0);
    for (const [env, label] of [[{}, 'zstd-napi'], [{ SECREC_ZSTD: 'wasm' }, 'wasm']] as const) {
      const info = run(bin('secanalyze'), ['info', cap], env);
      expect(info.status, `${label}: ${info.stderr}`).toBe(0);
      expect(info.stdout, label).toMatch(/Integrity:\s+intact/);
      expect(info.stdout, label).toMatch(/Clean end:\s+yes/);
      expect(info.stdout, label).toMatch(/Probe exec:\s+attached/); // the packaged exec.bpf.o loaded
    }
    const execs = run(bin('secanalyze'), ['execs', cap, '--json']);
    expect(execs.status, execs.stderr).toBe(0);
  });
  if (!canRecord) console.warn('\n*** SKIPPING packaged secrec run: needs root and /sys/kernel/btf/vmlinux ***\n');
});
