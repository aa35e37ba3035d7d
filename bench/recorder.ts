// bench/recorder: storms run without tracing and under secrec, side by side in one run:
// workload slowdown (wall, median of runs), events captured vs generated, lost events,
// recorder CPU seconds and bytes/event. Needs root + BPF.   node dist/bench/recorder.js [runs=3]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, statSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureReader, type BodyKind } from '../format/index.js';

const RUNS = Number(process.argv[2] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'bench-rec-'));
chmodSync(dir, 0o755);
const C = `#include <unistd.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
int main(int c, char **v){int n=atoi(v[2]);
 if(!strcmp(v[1],"exec")) for(int i=0;i<n;i++){pid_t p=fork();if(!p){execl("/bin/true","true","x",(char*)0);_exit(1);}waitpid(p,0,0);}
 if(!strcmp(v[1],"open")) for(int i=0;i<n;i++){int f=open("/etc/hostname",O_RDONLY);if(f>=0)close(f);}
 if(!strcmp(v[1],"eacces")) for(int i=0;i<n;i++){int f=open(v[3],O_RDONLY);if(f>=0)close(f);}
 if(!strcmp(v[1],"tty")){char b[4096];memset(b,'x',sizeof b);int t=open(v[3],O_WRONLY);for(int i=0;i<n;i++)write(t,b,sizeof b);}
 return 0;}`;
writeFileSync(join(dir, 'storm.c'), C);
execFileSync('cc', ['-O2', '-o', join(dir, 'storm'), join(dir, 'storm.c')]);
const secret = join(dir, 'secret');
writeFileSync(secret, 'x', { mode: 0o600 });
const storm = join(dir, 'storm');

// a pty for the tty storm: script(1) gives the storm a terminal on stdout
const WORK: { name: string; kind: BodyKind; n: number; cmd: string[] }[] = [
  { name: 'exec storm', kind: 'exec', n: 5000, cmd: [storm, 'exec', '5000'] },
  { name: 'open storm', kind: 'open', n: 300000, cmd: [storm, 'open', '300000'] },
  { name: 'EACCES storm', kind: 'syscallError', n: 300000, cmd: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', storm, 'eacces', '300000', secret] },
  { name: 'tty storm', kind: 'ttyWrite', n: 20000, cmd: ['script', '-qfec', `${storm} tty 20000 /dev/tty`, '/dev/null'] },
];

const time = (cmd: string[]): number => {
  const t0 = process.hrtime.bigint();
  spawnSync(cmd[0]!, cmd.slice(1), { stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t0) / 1e9;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`bench/recorder: median of ${RUNS} runs; events counted from the capture (node ${process.version})`);
console.log('workload        base s  traced s  slowdown  captured/generated  lost  recorder cpu s  bytes/event');
for (const w of WORK) {
  const base: number[] = []; const traced: number[] = []; const caps: number[] = []; const losts: number[] = []; const cpus: number[] = []; const bpe: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    base.push(time(w.cmd));
    const out = join(dir, `${w.kind}-${i}.cap`);
    const rec = spawn('/usr/bin/time', ['-f', '%U %S', 'node', 'dist/recorder/cli.js', '-o', out, '--force'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    await new Promise<void>((res) => rec.stderr!.on('data', (d) => { err += d; if (err.includes('recording to')) res(); }));
    traced.push(time(w.cmd));
    await new Promise((r) => setTimeout(r, 500));
    const done = new Promise<void>((res) => rec.on('exit', () => res()));
    spawnSync('pkill', ['-INT', '-f', `dist/recorder/cli.js -o ${out}`]);
    await done;
    const [u, s] = err.trim().split('\n').pop()!.split(' ').map(Number);
    cpus.push(u! + s!);
    const r = new CaptureReader(out);
    let n = 0; let all = 0;
    for await (const rec2 of r.records()) { all++; if (rec2.body === w.kind && (w.kind !== 'exec' || Buffer.from(rec2.exec!.filename ?? []).toString() === '/bin/true')) n++; }
    caps.push(n);
    losts.push(Number(r.trailer?.lost ?? 0));
    bpe.push(statSync(out).size / Math.max(all, 1));
  }
  const b = median(base); const t = median(traced);
  console.log(`${w.name.padEnd(15)} ${b.toFixed(2).padStart(6)}  ${t.toFixed(2).padStart(8)}  ${(t / b).toFixed(2).padStart(7)}x  ${String(median(caps)).padStart(9)}/${w.n}  ${String(median(losts)).padStart(5)}  ${median(cpus).toFixed(2).padStart(14)}  ${median(bpe).toFixed(1).padStart(11)}`);
}
