// `secanalyze report FILE -o DIR|X.tar.gz|X.zip`: the bundle to attach to a ticket. Phases:
// collect (collect.ts) → page (page.ts) → files (index.html, findings.json, sessions/, the capture)
// → manifest.json (SHA-256 of each) → optionally packed into one archive by archiver.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, copyFileSync, readFileSync, existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { TarArchive, ZipArchive } from 'archiver';
import { collect } from './collect.js';
import { renderPage } from './page.js';

export interface ReportOptions { output: string; capture: boolean; warn: (m: string) => void }

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** This program's version, from the package.json above the running file. */
export function version(): string {
  for (let d = dirname(new URL(import.meta.url).pathname); d !== '/'; d = dirname(d)) {
    const p = join(d, 'package.json');
    if (existsSync(p)) { const j = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string }; if (j.name === 'secrec') return j.version ?? '?'; }
  }
  return '?';
}

function files(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(dir, join(rel, e.name)) : [join(rel, e.name)])).sort();
}

/** A capture's base name made safe as a file name inside the bundle. */
const safeName = (file: string): string => (basename(file).replace(/[^\w.+-]/g, '_').replace(/^\.+/, '') || 'capture') ;

export async function writeBundle(file: string, dir: string, o: Omit<ReportOptions, 'output'>): Promise<{ findings: number; sessions: number; intact: boolean }> {
  const data = await collect(file, o.warn);
  mkdirSync(join(dir, 'sessions'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), renderPage(data));
  writeFileSync(join(dir, 'findings.json'), JSON.stringify(data.findings, null, 1) + '\n');
  for (const s of data.sessions) {
    writeFileSync(join(dir, 'sessions', `${s.name}.cast`), s.cast);
    writeFileSync(join(dir, 'sessions', `${s.name}.sh`), s.script, { mode: 0o755 });
  }
  const captureName = safeName(file);
  if (o.capture) copyFileSync(file, join(dir, captureName));
  const manifest = {
    generator: `secanalyze ${version()}`,
    generated: new Date().toISOString(),
    capture: { name: captureName, included: o.capture, bytes: statSync(file).size, sha256: await sha256File(file), chain: data.chain, integrity: data.integrity },
    files: await Promise.all(files(dir).map(async (f) => ({ path: f, bytes: statSync(join(dir, f)).size, sha256: await sha256File(join(dir, f)) }))),
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  return { findings: data.findings.length, sessions: data.sessions.length, intact: !data.findings.some((f) => f.rule === 'capture-damaged') };
}

/** Writes the bundle to a new directory, or packs it into a new .tar.gz / .zip. Never overwrites. */
/** Resolves with whether the capture was whole (not damaged or cut short). */
export async function report(file: string, o: ReportOptions): Promise<boolean> {
  const out = o.output;
  const packed = /\.(tar\.gz|tgz)$/.test(out) ? 'tar' : /\.zip$/.test(out) ? 'zip' : null;
  if (existsSync(out) && (packed || readdirSync(out).length)) throw new Error(`${out} exists: choose a new name (a report is never written over)`);
  statSync(file);
  if (!packed) {
    const r = await writeBundle(file, out, o);
    o.warn(`wrote ${out}/index.html (${r.findings} findings, ${r.sessions} sessions), manifest.json, findings.json${o.capture ? ', the capture' : ''}`);
    return r.intact;
  }
  const work = mkdtempSync(join(tmpdir(), 'secanalyze-report-'));
  const top = basename(out).replace(/\.(tar\.gz|tgz|zip)$/, '') || 'report';
  try {
    const r = await writeBundle(file, join(work, top), o);
    const archive = packed === 'tar' ? new TarArchive({ gzip: true, gzipOptions: { level: 6 } }) : new ZipArchive({ zlib: { level: 6 } });
    const sink = createWriteStream(out, { flags: 'wx' });
    const done = new Promise<void>((resolve, reject) => { sink.on('close', resolve); sink.on('error', reject); archive.on('error', reject); });
    archive.pipe(sink);
    archive.directory(join(work, top), top);
    await archive.finalize();
    await done;
    o.warn(`wrote ${out} (${top}/index.html, ${r.findings} findings, ${r.sessions} sessions)`);
    return r.intact;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
