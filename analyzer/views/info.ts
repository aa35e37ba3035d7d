// --info: what capinfos tells about a pcap, for a capture.
import type { Record } from '../../format/index.js';
import type { View, ViewContext } from '../pipeline.js';
import { esc } from '../text.js';
import { BODY_KINDS } from '../../format/index.js';

export function infoView(): View {
  const counts = new Map<string, number>();
  let first: number | null = null;
  let last = 0;
  let records = 0;
  return {
    probes: [],
    fields: [], framing: true, // counts kinds and times only; from the trailer when the capture ends whole
    tree: false,
    filtered: false,
    record(r: Record) {
      records++;
      const k = r.body ?? 'unknown';
      counts.set(k, (counts.get(k) ?? 0) + 1);
      if (k !== 'process' && k !== 'header') { if (first === null) first = r.ts; if (r.ts > last) last = r.ts; }
    },
    end(ctx: ViewContext) {
      if (ctx.framing) { for (const [k, n] of ctx.framing.counts) counts.set(k, n); records = ctx.framing.records; last = ctx.framing.lastTs; }
      const h = ctx.header;
      const rd = ctx.reader;
      const integ = rd.integrity();
      const t = rd.trailer;
      const endTs = last;
      const events = [...counts].filter(([k]) => !['header', 'trailer', 'process', 'lost'].includes(k)).reduce((a, [, n]) => a + n, 0);
      const info = {
        file: ctx.file,
        format: `${rd.formatMajor}.${rd.formatMinor}`,
        host: h.hostname ?? '', kernel: `${h.kernelRelease ?? ''} ${h.kernelVersion ?? ''}`.trim(), arch: h.arch ?? '',
        bootId: h.bootId ?? '', machineId: h.machineId ?? '',
        recorder: `secrec ${esc(h.recorderVersion ?? '?')} (pid ${h.recorderPid ?? '?'}): ${(h.argv ?? []).map((a) => esc(a)).join(' ')}`,
        timezone: ctx.clock.zone,
        start: ctx.clock.iso(0), end: ctx.clock.iso(endTs), durationSeconds: endTs / 1e9,
        records, events, processesAtStart: counts.get('process') ?? 0,
        eventsPerKind: Object.fromEntries(BODY_KINDS.filter((k) => counts.has(k) && !['header', 'trailer'].includes(k)).map((k) => [k, counts.get(k)])),
        lostPerProbe: Object.fromEntries(ctx.lost),
        lostTotal: [...ctx.lost.values()].reduce((a, b) => a + b, 0),
        probes: (h.probes ?? []).map((p) => ({ name: p.name, attached: !!p.attached, targets: p.targets ?? [], reason: p.reason ?? '' })),
        settings: h.settings ?? {},
        frames: rd.frameCount, compressedBytes: rd.fileBytes, uncompressedBytes: rd.uncompressedBytes,
        bytesPerEvent: events ? Number((rd.fileBytes / events).toFixed(2)) : null,
        compressionRatio: rd.fileBytes ? Number((rd.uncompressedBytes / rd.fileBytes).toFixed(2)) : null,
        integrity: integ.text, cleanEnd: integ.cleanEnd, stopReason: t?.reason ?? null,
        chain: rd.endMarker ? rd.endMarker.chain.toString('hex') : null,
        problems: rd.describeIssues(),
      };
      if (ctx.out.format === 'json') { ctx.out.line(JSON.stringify(info)); return; }
      const o = ctx.out;
      const row = (k: string, v: unknown) => o.line(`${(k + ':').padEnd(22)}${v}`);
      row('File', esc(info.file));
      row('Format', info.format);
      row('Host', `${esc(info.host)} (${esc(info.arch)}, Linux ${esc(info.kernel)})`);
      row('Boot id', esc(info.bootId));
      row('Recorder', info.recorder);
      row('Start', `${info.start} (${ctx.clock.date(0)} ${ctx.clock.hms(0)} ${esc(info.timezone)})`);
      row('End', info.end);
      row('Duration', `${info.durationSeconds.toFixed(3)} s`);
      row('Records', `${info.records} (${info.events} events, ${info.processesAtStart} processes at start)`);
      for (const [k, n] of Object.entries(info.eventsPerKind)) row(`  ${k}`, n);
      row('Lost events', info.lostTotal ? Object.entries(info.lostPerProbe).map(([p, n]) => `${esc(p)} ${n}`).join(', ') : '0');
      for (const p of info.probes) row(`Probe ${esc(p.name)}`, p.attached ? `attached: ${p.targets.map((t) => esc(t)).join(', ')}${p.reason ? ` (partly: ${esc(p.reason)})` : ''}` : `SKIPPED: ${esc(p.reason)}`);
      row('Frames', info.frames);
      row('Compressed bytes', info.compressedBytes);
      row('Uncompressed bytes', `${info.uncompressedBytes} (ratio ${info.compressionRatio ?? '-'})`);
      row('Bytes per event', info.bytesPerEvent ?? '-');
      row('Integrity', info.integrity);
      row('Clean end', info.cleanEnd ? `yes (${esc(info.stopReason)})` : `no${info.stopReason ? ` (${esc(info.stopReason)})` : ''}`);
      row('SHA-256 chain', info.chain ?? '-');
      for (const p of info.problems) o.line(`Problem: ${esc(p)}`);
    },
  };
}
