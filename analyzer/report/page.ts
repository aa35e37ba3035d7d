// Report, phase 2: one self-contained, offline index.html. Captured strings reach the page only
// through Handlebars' {{ }} auto-escaping (text and attribute values, never raw); the only
// triple-stashed content is our own inlined bundles, each allowed by its SHA-256 in the CSP.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Handlebars from 'handlebars';
import type { ReportData } from './collect.js';

const require = createRequire(import.meta.url);

/** A file inside an installed package (read directly: the packages' exports hide their bundles). */
function asset(pkg: string, file: string): string {
  const main = require.resolve(pkg);
  const root = main.slice(0, main.lastIndexOf(`/node_modules/${pkg}/`) + `/node_modules/${pkg}/`.length);
  return readFileSync(root + file, 'utf8');
}

// Runs in the page: draws the charts and starts the players from the escaped data-* attributes.
const INIT = `"use strict";
document.querySelectorAll('[data-spec]').forEach(function (el) {
  vegaEmbed(el, JSON.parse(el.getAttribute('data-spec')), { renderer: 'svg', actions: false, ast: true })
    .catch(function (e) { el.textContent = 'chart failed: ' + e.message; console.error(e); });
});
document.querySelectorAll('[data-cast]').forEach(function (el) {
  AsciinemaPlayer.create({ data: el.getAttribute('data-cast') }, el, {
    cols: Number(el.getAttribute('data-cols')), rows: Number(el.getAttribute('data-rows')), idleTimeLimit: 2, fit: 'width', preload: true });
});
document.getElementById('expand').addEventListener('click', function () {
  document.querySelectorAll('#tree details').forEach(function (d) { d.open = true; });
});
document.getElementById('collapse').addEventListener('click', function () {
  document.querySelectorAll('#tree details').forEach(function (d) { d.open = false; });
});`;

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:0 2em 3em;color:#222}
h1{font-size:1.4em;margin:.8em 0 .2em}h2{font-size:1.15em;margin:1.6em 0 .4em;border-bottom:1px solid #ccc}
.summary{font-family:ui-monospace,monospace;font-size:12px;background:#f6f6f6;padding:.6em;white-space:pre-wrap}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:2px 6px;vertical-align:top;text-align:left}
.mono,td.mono{font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap;word-break:break-all}
.sev{font-weight:bold;text-transform:uppercase;font-size:11px;padding:1px 5px;border-radius:3px;color:#fff}
.sev-high{background:#c0392b}.sev-medium{background:#d68910}.sev-low{background:#2e86c1}.sev-info{background:#7f8c8d}
.ev{color:#444;margin-left:1em}.gap{color:#b03a2e}.drill{color:#555}
#tree details{margin-left:1.2em}#tree summary{cursor:pointer}#tree .meta{color:#777;font-size:11px}
.k-session td,.k-command td{font-weight:bold}.k-lost td,.k-written-exec td,.k-module td{color:#b03a2e}
.session{margin:1em 0}.player{max-width:900px}`;

const TEMPLATE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{csp}}">
<meta name="referrer" content="no-referrer">
<title>secanalyze report: {{data.host}}</title>
<style>{{{css}}}</style>
</head><body>
<h1>Capture report: {{data.host}}</h1>
<div class="summary" id="summary">{{#each data.summary}}{{this}}
{{/each}}File {{data.file}}</div>

<h2 id="findings">Findings ({{data.findings.length}})</h2>
<table id="findings-table"><tr><th>#</th><th>severity</th><th>what</th></tr>
{{#each data.findings}}<tr class="finding" data-rule="{{rule}}"><td>{{inc @index}}</td><td><span class="sev sev-{{severity}}">{{severity}}</span></td>
<td><b>{{title}}</b> <span class="mono">({{rule}})</span><div class="mono">{{#if process}}{{comm}} pid {{process}} user {{user}}: {{/if}}{{summary}}</div>
{{#each evidence}}<div class="mono ev">{{this}}</div>{{/each}}{{#each gaps}}<div class="gap">may be incomplete: {{this}}</div>{{/each}}
{{#if drill}}<div class="mono drill">→ {{drill}}</div>{{/if}}</td></tr>
{{/each}}</table>

<h2>Process tree</h2>
<p><button id="expand" type="button">expand all</button> <button id="collapse" type="button">collapse all</button></p>
<div id="tree">{{#each data.tree}}{{> node}}{{/each}}</div>

<h2>Timeline</h2>
<table id="timeline"><tr><th>time</th><th>session</th><th>event</th></tr>
{{#each data.timeline}}<tr class="k-{{kind}}"><td class="mono">{{time}}</td><td class="mono">{{session}}</td><td class="mono">{{text}}</td></tr>
{{/each}}</table>

<h2>EPERM / EACCES</h2>
<table id="eperm"><tr><th>errno</th><th>process</th><th>syscall / path</th><th>count</th></tr>
{{#each data.eperm}}<tr><td>{{errno}}</td><td class="mono">{{comm}}</td><td class="mono">{{what}}</td><td>{{count}}</td></tr>
{{/each}}</table>

<h2>Charts</h2>
{{#each charts}}<div class="chart" data-kind="{{kind}}" data-spec="{{spec}}"></div>
{{/each}}

<h2>Shell sessions</h2>
{{#each data.sessions}}<div class="session"><h3>{{title}}</h3>
<p class="drill">Files: sessions/{{name}}.cast (asciicast), sessions/{{name}}.sh (replay script: bash sessions/{{name}}.sh)</p>
{{#if cut}}<p class="gap">The page plays the first 8 MiB of this session; sessions/{{name}}.cast has all of it.</p>{{/if}}
<div class="player" id="player-{{pid}}" data-cast="{{pageCast}}" data-cols="{{cols}}" data-rows="{{rows}}"></div></div>
{{else}}<p>No interactive shell session in this capture.</p>{{/each}}
{{#each scripts}}<script>{{{this}}}</script>
{{/each}}</body></html>
`;

const NODE = `<details open><summary><span class="mono" title="{{title}}">{{label}}</span> <span class="meta">{{meta}}</span></summary>
{{#each children}}{{> node}}{{/each}}{{#if more}}<div class="meta">… {{more}} more</div>{{/if}}</details>`;

export function renderPage(data: ReportData): string {
  const hb = Handlebars.create();
  hb.registerPartial('node', NODE);
  hb.registerHelper('inc', (i: number) => i + 1);
  const page = hb.compile(TEMPLATE, { strict: true });
  // a </script inside a bundle would end its element early
  const scripts = [
    asset('vega', 'build/vega.min.js'), asset('vega-lite', 'build/vega-lite.min.js'), asset('vega-embed', 'build/vega-embed.min.js'),
    asset('asciinema-player', 'dist/bundle/asciinema-player.min.js'), INIT,
  ].map((s) => s.replace(/<\/(script)/gi, '<\\/$1'));
  const hashes = scripts.map((s) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`);
  const csp = [
    "default-src 'none'", `script-src ${hashes.join(' ')} 'wasm-unsafe-eval'`, "style-src 'unsafe-inline'",
    'img-src data:', 'font-src data:', "connect-src 'none'", "base-uri 'none'", "form-action 'none'", "object-src 'none'",
  ].join('; ');
  const css = CSS + '\n' + asset('asciinema-player', 'dist/bundle/asciinema-player.css').replace(/<\/(style)/gi, '<\\/$1');
  return page({ csp, css, scripts, data, charts: data.charts.map((c) => ({ kind: c.kind, spec: JSON.stringify(c.spec) })) });
}
