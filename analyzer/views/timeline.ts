// --timeline: one correlated list per shell session: command typed → processes it started →
// their output → EPERM/EACCES bursts, with markers where the capture lost events.
import type { Record } from '../../format/index.js';
import { userName, type View, type ViewContext } from '../pipeline.js';
import type { Proc } from '../state/processes.js';
import { esc } from '../text.js';
import { syscallName } from '../syscalls.js';
import { execArgs } from './execs.js';
import { ttyName } from './common.js';

interface Item { ts: number; kind: string; pid: number; text: string }
interface Session { shell: Proc; tty: string; items: Item[]; lastErr: Item | null; lastErrKey: string; lastOut: Item | null }

export function timelineView(maxArgs = 20): View {
  const sessions = new Map<Proc, Session>();
  const lost: Item[] = [];
  const memo = new Map<Proc, Proc | null>();
  const sessionOf = (p: Proc): Session | undefined => {
    let s = memo.get(p);
    if (s === undefined) {
      s = null;
      for (let q: Proc | null = p; q; q = q.parent) if (sessions.has(q)) { s = q; break; }
      memo.set(p, s);
    }
    return s ? sessions.get(s) : undefined;
  };
  return {
    probes: ['readline', 'exec', 'tty', 'eperm', 'proc'],
    record(r: Record, ctx: ViewContext) {
      if (r.body === 'lost') { lost.push({ ts: r.ts, kind: 'lost', pid: 0, text: `!! ${r.lost!.count} ${r.lost!.probe} events lost around here` }); return; }
      const p = ctx.tree.procOf(r);
      if (r.body === 'readline') {
        let s = sessions.get(p);
        if (!s) { s = { shell: p, tty: p.tty ? ttyName(p.tty) : '?', items: [], lastErr: null, lastErrKey: '', lastOut: null }; sessions.set(p, s); memo.clear(); }
        s.items.push({ ts: r.ts, kind: 'command', pid: r.pid, text: `$ ${esc(r.readline!.line)}` });
        s.lastOut = null;
        return;
      }
      const s = sessionOf(p);
      if (!s) return;
      if (r.body === 'exec') {
        const e = r.exec!;
        const args = execArgs(e.filename ?? new Uint8Array(), e.argv ?? [], maxArgs, false, !!e.argsTruncated, e.interp);
        s.items.push({ ts: r.ts, kind: 'exec', pid: r.pid, text: `  ${e.ret ? '✗ exec' : 'exec'} ${args} (pid ${r.pid}${e.ret ? `, ret ${e.ret}` : ''})` });
        s.lastOut = null;
      } else if (r.body === 'ttyWrite') {
        const w = r.ttyWrite!;
        if (s.tty === '?' && w.isTty) s.tty = ttyName(w.rdev ?? 0);
        if (p === s.shell) return; // the prompt and echo of the shell itself
        if (s.lastOut && s.lastOut.pid === r.pid && r.ts - s.lastOut.ts < 1e9) {
          s.lastOut.text += esc(w.data);
        } else {
          s.lastOut = { ts: r.ts, kind: 'output', pid: r.pid, text: `    output (pid ${r.pid}): ${esc(w.data)}` };
          s.items.push(s.lastOut);
        }
      } else if (r.body === 'syscallError') {
        const e = r.syscallError!;
        const name = syscallName(ctx.arch, e.nr ?? 0, e.abi === 1);
        const key = `${r.pid}/${name}/${e.errno}`;
        if (s.lastErr && s.lastErrKey === key && r.ts - s.lastErr.ts < 1e9) {
          const m = /×(\d+)/.exec(s.lastErr.text)!;
          s.lastErr.text = s.lastErr.text.replace(/×\d+/, `×${Number(m[1]) + 1}`);
        } else {
          s.lastErr = { ts: r.ts, kind: 'denied', pid: r.pid, text: `    ✗ ${e.errno === 1 ? 'EPERM' : 'EACCES'} ${name} ×1 (${esc(r.comm)} pid ${r.pid})` };
          s.lastErrKey = key;
          s.items.push(s.lastErr);
        }
      }
    },
    end(ctx: ViewContext) {
      if (!sessions.size) { ctx.warn('no bash session in this capture (no readline records)'); return; }
      for (const s of sessions.values()) {
        const items = [...s.items, ...lost.filter((l) => l.ts >= (s.items[0]?.ts ?? 0))].sort((a, b) => a.ts - b.ts);
        const who = `${esc(s.shell.comm)} pid ${s.shell.pid}, user ${esc(userName(ctx.users, s.shell.uid))}`;
        if (ctx.json) {
          for (const it of items) ctx.out.line(JSON.stringify({ session: s.shell.pid, tty: s.tty, time: ctx.clock.iso(it.ts), ts: it.ts / 1e9, kind: it.kind, pid: it.pid, text: it.text.trim() }));
          continue;
        }
        ctx.out.line(`== session on ${s.tty}: ${who} ==`);
        for (const it of items) ctx.out.line(`${ctx.clock.hms(it.ts)}.${String(Math.floor((ctx.clock.wallMs(it.ts) % 1000))).padStart(3, '0')}  ${it.text}`);
        ctx.out.line('');
      }
    },
  };
}
