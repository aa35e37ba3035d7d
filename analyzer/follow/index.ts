// `secanalyze follow FILE VIEW`: a view of a capture that is still being written (ttysnoop and
// shellsnoop live again). Frames come from FrameTail as soon as they are complete; each goes
// through the process tree and the view, and the output is flushed frame by frame.
import { probeName, type CaptureReader } from '../../format/index.js';
import type { View, ViewContext } from '../pipeline.js';
import { CaptureClock } from '../time.js';
import { ProcessTree } from '../state/processes.js';
import { Renderer } from '../render.js';
import { ttyView, shellView } from '../views/terminal.js';
import { execsView } from '../views/execs.js';
import { FrameTail } from './tail.js';

export type FollowView = 'tty' | 'shell' | 'execs';

export interface FollowOptions {
  view: FollowView;
  arg?: string;
  escape?: boolean;
  json?: boolean;
  shellOnly?: boolean;
  timestamp?: boolean;
  time?: boolean;
  fails?: boolean;
  printUid?: boolean;
  pollMs?: number;
  warn: (m: string) => void;
}

function makeView(o: FollowOptions): View {
  const raw = o.escape ? { escape: true } : {};
  switch (o.view) {
    case 'tty':
      if (!o.arg) throw new Error('follow FILE tty DEV: which terminal (pts/3, 3, /dev/pts/3, tty1)?');
      return ttyView(o.arg, raw);
    case 'shell':
      if (!o.arg || !/^\d+$/.test(o.arg)) throw new Error('follow FILE shell PID: the shell\'s process id');
      return shellView(Number(o.arg), !!o.shellOnly, raw);
    case 'execs':
      return execsView({ timestamp: !!o.timestamp, time: !!o.time, fails: !!o.fails, printUid: !!o.printUid, maxArgs: 20 });
  }
}

/** Follows until the end marker or Ctrl-C; resolves with whether the capture ended cleanly. */
export async function follow(source: string, o: FollowOptions): Promise<{ ended: boolean; problems: string[] }> {
  const view = makeView(o);
  const tail = new FrameTail(source, o.pollMs);
  const onSignal = () => tail.stop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const tree = new ProcessTree();
  const lost = new Map<string, number>();
  let ctx: ViewContext | null = null;
  const problems: string[] = [];
  try {
    for await (const frame of tail.frames()) {
      for (const r of frame.records) {
        if (ctx === null) {
          const header = tail.header ?? {};
          ctx = {
            file: source, header, clock: new CaptureClock(tail.header), arch: header.arch ?? 'x86_64', tree, out: new Renderer(o.json ? 'json' : 'text'),
            users: new Map((header.users ?? []).map((u) => [u.uid ?? 0, u.name ?? ''])),
            reader: null as unknown as CaptureReader, // the views followed never read the whole-file reader
            lost, warn: o.warn,
          };
          for (const p of header.probes ?? []) if (view.probes.includes(probeName(p.name ?? '')) && !p.attached) o.warn(`probe ${p.name} is not attached in this recording (${p.reason}): this view may stay empty`);
        }
        tree.observe(r);
        if (r.lost) {
          lost.set(r.lost.probe ?? '?', (lost.get(r.lost.probe ?? '?') ?? 0) + Number(r.lost.count ?? 0));
          if (view.probes.includes(probeName(r.lost.probe ?? ''))) o.warn(`${r.lost.count} ${r.lost.probe} events were lost in the kernel here: the view has a gap`);
        }
        view.record?.(r, ctx);
      }
      ctx?.out.flush();
      for (const p of tail.problems.splice(0)) { problems.push(p); o.warn(p); }
    }
    for (const p of tail.problems.splice(0)) { problems.push(p); o.warn(p); }
    const done = ctx as ViewContext | null; // assigned inside the loop
    if (done) { await view.end(done); done.out.flush(); }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (!tail.ended) o.warn(`${source}: ${tail.header ? 'stopped before the end of the capture' : 'no record read'}`);
  return { ended: tail.ended, problems };
}
