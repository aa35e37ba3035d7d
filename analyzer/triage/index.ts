// `secanalyze triage FILE`: what happened and what to look at first. Phases: facts (one pass,
// facts.ts) → rules (rules.ts, a table) → findings, most suspicious first, each with its evidence,
// the gaps that could hide more, and the command to drill down.
import { procRef } from '../state/resolve.js';
import type { ViewContext } from '../pipeline.js';
import { run } from '../pipeline.js';
import { esc } from '../text.js';
import { probeName } from '../../format/index.js';
import { Facts, factsView } from './facts.js';
import { RULES, SEVERITIES, at, procKey, type Rule, type Severity } from './rules.js';

export interface Finding {
  rule: string;
  title: string;
  severity: Severity;
  /** ns since the capture start; null for a fact about the whole capture or the start state. */
  ts: number | null;
  time: string | null;
  pid: number | null;
  process: string | null;
  user: string | null;
  comm: string | null;
  summary: string;
  evidence: string[];
  /** Probes this rule relies on that were skipped or lost events: the finding may be partial. */
  gaps: string[];
  drill: string | null;
}

/** A shell word for a file name given on the command line (shown, never run by us). */
export function shellWord(s: string): string {
  return /^[\w./@%+=:,-]+$/.test(s) ? s : `'${esc(s).replace(/'/g, `'\\''`)}'`;
}

/** The command that shows more about a finding; the process is named unambiguously (PID@START). */
function drillFor(rule: Rule, pid: number | null, ref: string | null, file: string): string | null {
  const f = shellWord(file);
  switch (rule.drill ?? 'tree') {
    case 'info': return `secanalyze info ${f}`;
    case 'eperm': return pid === null ? `secanalyze eperm ${f}` : `secanalyze eperm ${f} --list --pid ${pid}`;
    case 'shell': return ref === null ? null : `secanalyze shell ${f} ${ref} --escape`;
    case 'tree': return ref === null ? null : `secanalyze tree ${f} --pid ${ref}`;
  }
}

function gapsOf(rule: Rule, ctx: ViewContext): string[] {
  const out: string[] = [];
  for (const name of rule.probes) {
    // as the capture names the probe (captures before the rename say eperm: format/probes.ts)
    const p = (ctx.header.probes ?? []).find((q) => probeName(q.name ?? '') === name);
    if (p && !p.attached) out.push(`probe ${p.name} was not attached`);
    for (const [probe, lost] of ctx.lost) if (probeName(probe) === name && lost) out.push(`${lost} ${probe} events were lost`);
  }
  return out;
}

export function evaluate(facts: Facts, ctx: ViewContext, rules: readonly Rule[] = RULES): Finding[] {
  const out: Finding[] = [];
  for (const rule of rules) {
    const gaps = gapsOf(rule, ctx);
    for (const h of rule.test(facts, ctx)) {
      const p = h.proc;
      out.push({
        rule: rule.id, title: rule.title, severity: rule.severity,
        ts: h.ts, time: h.ts === null ? null : ctx.clock.iso(h.ts),
        pid: p?.pid ?? null, process: p ? procKey(p, ctx) : null,
        user: p ? esc(ctx.users.get(p.uid) ?? String(p.uid)) : null, comm: p ? esc(p.comm) : null,
        summary: h.summary, evidence: h.evidence, gaps, drill: drillFor(rule, p?.pid ?? null, p ? procRef(p, ctx.tree) : null, ctx.file),
      });
    }
  }
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  return out.sort((a, b) => rank(a.severity) - rank(b.severity) || (a.ts ?? -1) - (b.ts ?? -1));
}

export interface TriageResult { findings: Finding[]; facts: Facts; ctx: ViewContext }

/** Reads the capture once and judges it. */
export async function triage(file: string, warn?: (m: string) => void): Promise<TriageResult> {
  const facts = new Facts();
  let findings: Finding[] = [];
  const ctx = await run(factsView(facts, (c) => { findings = evaluate(facts, c); }), { file, filters: {}, ...(warn ? { warn } : {}) });
  return { findings, facts, ctx };
}

/** The header lines: host, span, integrity, chain, loss and skipped probes. */
export function summaryLines(ctx: ViewContext, facts: Facts): string[] {
  const h = ctx.header;
  const integ = ctx.reader.integrity();
  const lost = [...ctx.lost.values()].reduce((a, b) => a + b, 0);
  const skipped = (h.probes ?? []).filter((p) => !p.attached).map((p) => esc(p.name));
  return [
    `Host ${esc(h.hostname)} (Linux ${esc(h.kernelRelease)}, ${esc(h.arch)}), ${ctx.clock.date(0)} ${ctx.clock.hms(0)} → ${ctx.clock.hms(facts.last)} ${ctx.clock.zone} (${(facts.last / 1e9).toFixed(1)} s)`,
    `Integrity ${esc(integ.text)}${integ.cleanEnd ? ', clean end' : ', no clean end'}; SHA-256 chain ${ctx.reader.endMarker?.chain.toString('hex') ?? '(no end marker)'}`,
    `Lost events ${lost}${skipped.length ? `; probes not attached: ${skipped.join(', ')}` : ''}`,
  ];
}

export function renderText(findings: Finding[], ctx: ViewContext, facts: Facts): string[] {
  const lines = [`== triage of ${esc(ctx.file)} ==`, ...summaryLines(ctx, facts), ''];
  if (!findings.length) lines.push('No findings.');
  findings.forEach((f, i) => {
    lines.push(`${String(i + 1).padStart(3)}. ${f.severity.toUpperCase().padEnd(6)} ${f.rule}: ${f.title}`);
    const when = f.ts === null ? (f.process ? 'at start' : '') : at(ctx, f.ts);
    const who = f.process ? `${f.comm} pid ${f.process} user ${f.user}` : '';
    lines.push(`        ${[when, who].filter(Boolean).join('  ')}${when || who ? ': ' : ''}${f.summary}`);
    for (const e of f.evidence) lines.push(`          ${e}`);
    for (const g of f.gaps) lines.push(`          ! may be incomplete: ${g}`);
    if (f.drill) lines.push(`          → ${f.drill}`);
  });
  return lines;
}
