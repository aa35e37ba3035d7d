// --info: what capinfos tells about a pcap, for a capture.
import type { CaptureRecord } from '../../format/index.js';
import type { View, ViewContext } from '../pipeline.js';
import { esc } from '../text.js';
import { BODY_KINDS } from '../../format/index.js';

/** `info --json`: one object, these keys in this order (docs/schema.md lists them, generated from here). */
export const INFO_KEYS = [
  ['file', 'the capture path as given'],
  ['format', 'format version of the capture, major.minor'],
  ['hostname', 'Header.hostname of the recorded host'],
  ['kernel', 'kernel release and version of the recorded host'],
  ['arch', 'uname machine of the recorded host (x86_64, aarch64)'],
  ['boot_id', 'the recorded host\'s boot id'],
  ['machine_id', 'the recorded host\'s machine id'],
  ['recorder', 'secrec version, pid and command line (escaped)'],
  ['timezone', 'IANA time zone of the recorded host'],
  ['start_time', 'capture start, ISO 8601 (UTC)'],
  ['end_time', 'last event, ISO 8601 (UTC)'],
  ['duration_s', 'seconds from start_time to end_time'],
  ['records', 'records in the capture, of every body kind'],
  ['events', 'records but the header, trailer, process snapshots and loss reports'],
  ['processes_at_start', 'processes in the start snapshot'],
  ['events_per_kind', 'records per body kind, by capture.proto\'s field name (syscall_error, tty_write, ...)'],
  ['lost_per_probe', 'events the kernel dropped, by probe family'],
  ['lost_total', 'events the kernel dropped in all'],
  ['probes', 'each probe family: name, attached (bool), targets (attach points), reason (why not, or what failed)'],
  ['settings', 'the recorder\'s settings, by capture.proto\'s field name (max_args, write_bytes, ...)'],
  ['frames', 'frames in the file'],
  ['compressed_bytes', 'file size in bytes'],
  ['uncompressed_bytes', 'bytes of the frames once decompressed'],
  ['bytes_per_event', 'compressed_bytes / events; null without events'],
  ['compression_ratio', 'uncompressed_bytes / compressed_bytes; null for an empty file'],
  ['integrity', 'what the integrity check found, in words'],
  ['clean_end', 'the recorder finished the file (trailer and end marker)'],
  ['stop_reason', 'why the recorder stopped, from the trailer; null without one'],
  ['chain', 'the SHA-256 chain over the frames from the end marker, hex; null without one'],
  ['problems', 'damage and anomalies found while reading, one sentence each'],
] as const;
type InfoKey = typeof INFO_KEYS[number][0];

/** camelCase (protobufjs' names) to capture.proto's snake_case. */
const snake = (k: string): string => k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);

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
    record(r: CaptureRecord) {
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
      const perKind = BODY_KINDS.filter((k) => counts.has(k) && !['header', 'trailer'].includes(k)).map((k) => [k, counts.get(k)!] as const);
      const info = {
        file: ctx.file,
        format: `${rd.formatMajor}.${rd.formatMinor}`,
        hostname: h.hostname ?? '', kernel: `${h.kernelRelease ?? ''} ${h.kernelVersion ?? ''}`.trim(), arch: h.arch ?? '',
        boot_id: h.bootId ?? '', machine_id: h.machineId ?? '',
        recorder: `secrec ${esc(h.recorderVersion ?? '?')} (pid ${h.recorderPid ?? '?'}): ${(h.argv ?? []).map((a) => esc(a)).join(' ')}`,
        timezone: ctx.clock.zone,
        start_time: ctx.clock.iso(0), end_time: ctx.clock.iso(endTs), duration_s: endTs / 1e9,
        records, events, processes_at_start: counts.get('process') ?? 0,
        events_per_kind: Object.fromEntries(perKind.map(([k, n]) => [snake(k), n])),
        lost_per_probe: Object.fromEntries(ctx.lost),
        lost_total: [...ctx.lost.values()].reduce((a, b) => a + b, 0),
        probes: (h.probes ?? []).map((p) => ({ name: p.name, attached: !!p.attached, targets: p.targets ?? [], reason: p.reason ?? '' })),
        settings: Object.fromEntries(Object.entries(h.settings ?? {}).map(([k, v]) => [snake(k), v])),
        frames: rd.frameCount, compressed_bytes: rd.fileBytes, uncompressed_bytes: rd.uncompressedBytes,
        bytes_per_event: events ? Number((rd.fileBytes / events).toFixed(2)) : null,
        compression_ratio: rd.fileBytes ? Number((rd.uncompressedBytes / rd.fileBytes).toFixed(2)) : null,
        integrity: integ.text, clean_end: integ.cleanEnd, stop_reason: t?.reason ?? null,
        chain: rd.endMarker ? rd.endMarker.chain.toString('hex') : null,
        problems: rd.describeIssues(),
      } satisfies { [K in InfoKey]: unknown };
      if (ctx.out.format === 'json') { ctx.out.line(JSON.stringify(info)); return; }
      const o = ctx.out;
      const row = (k: string, v: unknown) => o.line(`${(k + ':').padEnd(22)}${v}`);
      row('File', esc(info.file));
      row('Format', info.format);
      row('Host', `${esc(info.hostname)} (${esc(info.arch)}, Linux ${esc(info.kernel)})`);
      row('Boot id', esc(info.boot_id));
      row('Recorder', info.recorder);
      row('Start', `${info.start_time} (${ctx.clock.date(0)} ${ctx.clock.hms(0)} ${esc(info.timezone)})`);
      row('End', info.end_time);
      row('Duration', `${info.duration_s.toFixed(3)} s`);
      row('Records', `${info.records} (${info.events} events, ${info.processes_at_start} processes at start)`);
      for (const [k, n] of perKind) row(`  ${k}`, n);
      row('Lost events', info.lost_total ? Object.entries(info.lost_per_probe).map(([p, n]) => `${esc(p)} ${n}`).join(', ') : '0');
      for (const p of info.probes) row(`Probe ${esc(p.name)}`, p.attached ? `attached: ${p.targets.map((t) => esc(t)).join(', ')}${p.reason ? ` (partly: ${esc(p.reason)})` : ''}` : `SKIPPED: ${esc(p.reason)}`);
      row('Frames', info.frames);
      row('Compressed bytes', info.compressed_bytes);
      row('Uncompressed bytes', `${info.uncompressed_bytes} (ratio ${info.compression_ratio ?? '-'})`);
      row('Bytes per event', info.bytes_per_event ?? '-');
      row('Integrity', info.integrity);
      row('Clean end', info.clean_end ? `yes (${esc(info.stop_reason)})` : `no${info.stop_reason ? ` (${esc(info.stop_reason)})` : ''}`);
      row('SHA-256 chain', info.chain ?? '-');
      for (const p of info.problems) o.line(`Problem: ${esc(p)}`);
    },
  };
}
