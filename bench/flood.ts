// bench/flood: the flood row of issue 9. An unprivileged user floods denied opens while an exec
// loop runs marker execs and a bash on a pty types commands; once with the default settings and
// once built to overflow the bulk lane (3 storms, --ring-mb 1 --spill-mb 1). Prints, side by side in one run:
// workload wall time untraced and traced, captured/generated per kind, lost per lane, recorder
// CPU seconds and capture bytes per event. Needs root + BPF.
//   node dist/bench/flood.js [opens=2000000] [execs=2000] [lines=50]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureReader } from '../format/index.js';

const OPENS = Number(process.argv[2] ?? 2_000_000);
const EXECS = Number(process.argv[3] ?? 2000);
const LINES = Number(process.argv[4] ?? 50);
const dir = mkdtempSync(join(tmpdir(), 'bench-flood-'));
chmodSync(dir, 0o755);
writeFileSync(join(dir, 'storm.c'), '#include <fcntl.h>\n#include <unistd.h>\n#include <stdlib.h>\nint main(int c,char**v){int n=atoi(v[2]);for(int i=0;i<n;i++){int f=open(v[1],O_RDONLY);if(f>=0)close(f);}return 0;}\n');
execFileSync('cc', ['-O2', '-o', join(dir, 'storm'), join(dir, 'storm.c')]);
const secret = join(dir, 'secret');
writeFileSync(secret, 'x', { mode: 0o600 });

const exited = (p: ReturnType<typeof spawn>) => new Promise<void>((r) => p.on('exit', () => r()));

/** The workload: storms + marker execs + a typed bash session, concurrently; returns wall seconds. */
async function workload(storms: number, perStorm: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  const ps = Array.from({ length: storms }, () => spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', join(dir, 'storm'), secret, String(perStorm)], { stdio: 'ignore' }));
  const ex = spawn('sh', ['-c', `i=0; while [ $i -lt ${EXECS} ]; do /bin/true bench-marker-$i; i=$((i+1)); done`], { stdio: 'ignore' });
  const typed = Array.from({ length: LINES }, (_, i) => `echo bench-line-${i}`).join('\n') + '\nexit\n';
  spawnSync('script', ['-qfec', "env -i TERM=xterm PS1='$ ' bash --norc --noprofile -i", '/dev/null'], { input: typed, stdio: ['pipe', 'ignore', 'ignore'] });
  await Promise.all([...ps.map(exited), exited(ex)]);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

interface Row { name: string; base: number; traced: number; cpu: number; denied: number; opens: number; generated: number; execs: number; lines: number; tty: number; lostPrio: number; lostBulk: number; bpe: number }

async function measure(name: string, storms: number, extra: string[]): Promise<Row> {
  const perStorm = Math.floor(OPENS / storms);
  const base = await workload(storms, perStorm);
  const out = join(dir, `${name.replace(/\W+/g, '-')}.cap`);
  const rec = spawn('/usr/bin/time', ['-f', '%U %S', 'node', 'dist/recorder/cli.js', '-o', out, '-f', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise<void>((res) => rec.stderr!.on('data', (d) => { err += d; if (err.includes('recording to')) res(); }));
  const traced = await workload(storms, perStorm);
  await new Promise((r) => setTimeout(r, 500));
  const done = exited(rec);
  spawnSync('pkill', ['-INT', '-f', `dist/recorder/cli.js -o ${out}`]);
  await done;
  const [u, s] = err.trim().split('\n').pop()!.split(' ').map(Number);
  const r = new CaptureReader(out);
  const row: Row = { name, base, traced, cpu: u! + s!, denied: 0, opens: 0, generated: perStorm * storms, execs: 0, lines: 0, tty: 0, lostPrio: 0, lostBulk: 0, bpe: 0 };
  let all = 0;
  const str = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('latin1');
  for await (const x of r.records()) {
    all++;
    if (x.body === 'syscallError' && x.uid === 65534 && str(x.comm) === 'storm') row.denied++;
    else if (x.body === 'open' && x.uid === 65534 && str(x.comm) === 'storm') row.opens++;
    else if (x.body === 'exec' && str(x.exec!.argv?.[1]).startsWith('bench-marker-')) row.execs++;
    else if (x.body === 'readline' && str(x.readline!.line).startsWith('echo bench-line-')) row.lines++;
    else if (x.body === 'ttyWrite' && /^bench-line-\d+\n$/.test(str(x.ttyWrite!.data))) row.tty++;
    else if (x.body === 'lost') { if (x.lost!.lane === 'prio') row.lostPrio += Number(x.lost!.count); else row.lostBulk += Number(x.lost!.count); }
  }
  row.bpe = statSync(out).size / Math.max(all, 1);
  return row;
}

const rows = [
  await measure('default settings, 1 storm', 1, []),
  await measure('overload: 3 storms, --ring-mb 1 --spill-mb 1', 3, ['--ring-mb', '1', '--spill-mb', '1']),
];
console.log(`bench/flood: ${OPENS} EACCES opens as nobody + ${EXECS} marker execs + ${LINES} typed bash lines (node ${process.version})`);
console.log('run                               base s  traced s  slowdown  rec cpu s  denied/gen  opens/gen  execs  lines  tty  lost prio  lost bulk  B/event');
for (const r of rows) {
  console.log(`${r.name.padEnd(33)} ${r.base.toFixed(2).padStart(6)}  ${r.traced.toFixed(2).padStart(8)}  ${(r.traced / r.base).toFixed(2).padStart(7)}x  ${r.cpu.toFixed(2).padStart(9)}  ` +
    `${(100 * r.denied / r.generated).toFixed(1).padStart(9)}%  ${(100 * r.opens / r.generated).toFixed(1).padStart(8)}%  ${String(r.execs).padStart(4)}/${EXECS}  ${String(r.lines).padStart(2)}/${LINES}  ${String(r.tty).padStart(2)}/${LINES}  ${String(r.lostPrio).padStart(9)}  ${String(r.lostBulk).padStart(9)}  ${r.bpe.toFixed(2).padStart(7)}`);
}
