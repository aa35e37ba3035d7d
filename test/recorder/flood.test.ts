// Issue 9, live: a flood of denied opens from an unprivileged user, built to overflow a small
// bulk lane, while marker execs run and a bash on a pty types commands. Every marker exec,
// typed line and terminal write must be in the capture; any loss must be in the bulk lane.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CaptureRecord } from '../../format/index.js';
import { CaptureReader } from '../../format/index.js';
import { canRecord, readCaptureFile, sleep, startRecorder, stopRecorder, str } from './live-helpers.js';

const MARKERS = 300;
const LINES = 20;
const STORM = 300_000;
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

/** A work directory with `storm` (open(argv[1]) argv[2] times) and a file nobody may open. */
function stormKit(prefix: string): { work: string; storm: string; secret: string } {
  const work = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(work, 0o755);
  const src = join(work, 'storm.c');
  writeFileSync(src, '#include <fcntl.h>\n#include <unistd.h>\n#include <stdlib.h>\nint main(int c,char**v){int n=atoi(v[2]);for(int i=0;i<n;i++){int f=open(v[1],O_RDONLY);if(f>=0)close(f);}return 0;}\n');
  const storm = join(work, 'storm');
  execFileSync('cc', ['-O2', '-o', storm, src]);
  const secret = join(work, 'secret');
  writeFileSync(secret, 'x', { mode: 0o600 });
  return { work, storm, secret };
}

describe.runIf(canRecord)('secrec under a flood (live)', () => {
  let recs: CaptureRecord[] = [];
  let trailerLost = 0;
  const { work, storm, secret } = stormKit('secrec-flood-');

  beforeAll(async () => {
    // a 1 MiB bulk lane and a 1 MiB spill ring cannot hold three storms' worth of records: the
    // bulk lane must drop
    const out = join(work, 'flood.cap');
    const rec = await startRecorder(out, ['--ring-mb', '1', '--spill-mb', '1']);
    const storms = [0, 1, 2].map(() => spawn('setpriv', [...NOBODY, storm, secret, String(STORM)], { stdio: 'ignore' }));
    const done = storms.map((p) => new Promise((r) => p.on('exit', r)));
    const execs = new Promise<void>((resolve) => {
      const p = spawn('sh', ['-c', `i=0; while [ $i -lt ${MARKERS} ]; do /bin/true flood-marker-$i; i=$((i+1)); done`], { stdio: 'ignore' });
      p.on('exit', () => resolve());
    });
    const typed = Array.from({ length: LINES }, (_, i) => `echo typed-line-${i}`).join('\n') + '\nexit\n';
    execFileSync('script', ['-qfec', "env -i TERM=xterm PS1='$ ' bash --norc --noprofile -i", '/dev/null'], { input: typed, stdio: ['pipe', 'ignore', 'ignore'] });
    await execs;
    await Promise.all(done);
    await sleep(500);
    expect(await stopRecorder(rec)).toBe(0);
    const got = await readCaptureFile(out);
    recs = got.recs;
    trailerLost = Number(got.r.trailer?.lost ?? 0);
  }, 240_000);

  it('keeps every marker exec, typed line and terminal write', () => {
    const marks = new Set(recs.filter((r) => r.body === 'exec').map((r) => str(r.exec!.argv?.[1])).filter((a) => a.startsWith('flood-marker-')));
    expect(marks.size).toBe(MARKERS);
    const lines = new Set(recs.filter((r) => r.body === 'readline').map((r) => str(r.readline!.line)));
    for (let i = 0; i < LINES; i++) expect(lines.has(`echo typed-line-${i}`), `line ${i}`).toBe(true);
    const out = recs.filter((r) => r.body === 'ttyWrite').map((r) => str(r.ttyWrite!.data)).join('');
    for (let i = 0; i < LINES; i++) expect(new RegExp(`[\\r\\n]typed-line-${i}\\n`).test(out), `output of line ${i}`).toBe(true);
  });

  it('reports loss per lane, and none in the priority lane', () => {
    const lost = recs.filter((r) => r.body === 'lost').map((r) => r.lost!);
    const byLane = { prio: 0, bulk: 0 } as { [k: string]: number };
    for (const l of lost) byLane[l.lane ?? '?'] = (byLane[l.lane ?? '?'] ?? 0) + Number(l.count);
    expect(byLane['prio']).toBe(0);
    expect(Object.keys(byLane).sort()).toEqual(['bulk', 'prio']);
    expect(byLane['bulk']).toBe(trailerLost);
    // what was not lost was recorded: captured + lost covers what the storms generated
    const denied = recs.filter((r) => r.body === 'syscallError' && r.uid === 65534 && str(r.comm) === 'storm').length;
    const opens = recs.filter((r) => r.body === 'open' && r.uid === 65534 && str(r.comm) === 'storm').length;
    expect(denied + opens + byLane['bulk']!).toBeGreaterThanOrEqual(2 * 3 * STORM);
  });
});

describe.runIf(canRecord)('secrec with a full bulk lane (live)', () => {
  it('loses nothing when the spill ring can take what overflows the lane', async () => {
    // 200k denied opens make ~50 MB of records: far past a 1 MiB bulk lane, within the spill ring
    const { work, storm, secret } = stormKit('secrec-spill-');
    const out = join(work, 'spill.cap');
    const rec = await startRecorder(out, ['--ring-mb', '1', '--probes', 'open,eperm,proc']);
    const n = 200_000;
    execFileSync('setpriv', [...NOBODY, storm, secret, String(n)]);
    await sleep(300);
    expect(await stopRecorder(rec)).toBe(0);
    const { recs, r } = await readCaptureFile(out);
    expect(Number(r.trailer?.lost ?? -1)).toBe(0);
    const mine = recs.filter((x) => x.uid === 65534 && str(x.comm) === 'storm');
    expect(mine.filter((x) => x.body === 'open' && str(x.open!.path) === secret).length).toBe(n);
    expect(mine.filter((x) => x.body === 'syscallError').length).toBe(n);
  }, 120_000);
});

describe.runIf(canRecord)('secrec frames under a priority-lane burst (live)', () => {
  it('writes a burst of large terminal writes in frames near 1 MiB, never one frame per burst', async () => {
    // 400 writes of 64 KiB kept whole (--write-bytes 65535) fill a 64 MiB priority lane with 26 MB
    // at once; drained in one go they made one 26 MB frame, and a bigger lane a frame past the
    // reader's 64 MiB limit.
    const work = mkdtempSync(join(tmpdir(), 'secrec-burst-'));
    const out = join(work, 'burst.cap');
    const rec = await startRecorder(out, ['--stdio', '--write-bytes', '65535', '--prio-ring-mb', '64', '--probes', 'tty,proc']);
    execFileSync('sh', ['-c', 'exec dd if=/dev/zero bs=65536 count=400 status=none > /dev/null']);
    await sleep(300);
    expect(await stopRecorder(rec)).toBe(0);
    const r = new CaptureReader(out);
    let biggest = 0;
    let written = 0;
    for await (const f of r.frames()) {
      biggest = Math.max(biggest, f.uncompressedLen);
      for (const x of f.records) if (x.body === 'ttyWrite' && str(x.comm) === 'dd') written += x.ttyWrite!.data!.length;
    }
    expect(written).toBe(400 * 65535);
    expect(r.integrity().verdict).toBe('intact');
    expect(biggest).toBeGreaterThan(0);
    expect(biggest).toBeLessThanOrEqual((1 << 20) + 128 * 65536 + 4096);
  }, 60_000);
});
