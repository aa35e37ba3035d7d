// The command line: subcommands and the old `FILE --view` aliases, per-command help, --version,
// '-' for standard input, filters applied or refused, and the exit code of each usage error.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { writeCapture } from '../helpers.js';
import { cli } from './run-cli.js';
import { main, translateLegacy } from '../../analyzer/cli.js';
import type { CommandSpec } from '../../analyzer/command.js';
import { BUILTIN } from '../../analyzer/commands.js';
import type { RecordInit } from '../../format/index.js';

const FIX = 'fixtures/incident.cap';
const b = (s: string) => Buffer.from(s);

describe('subcommands and aliases', () => {
  it('maps the old forms onto subcommands', () => {
    expect(translateLegacy(['x.cap', '--execs', '-T'], BUILTIN)).toEqual(['execs', 'x.cap', '-T']);
    expect(translateLegacy(['x.cap', '--tty', 'pts/3', '--escape'], BUILTIN)).toEqual(['tty', 'x.cap', '--escape', 'pts/3']);
    expect(translateLegacy(['--replay=42', 'x.cap'], BUILTIN)).toEqual(['replay', 'x.cap', '42']);
    expect(translateLegacy(['execs', 'x.cap'], BUILTIN)).toEqual(['execs', 'x.cap']);
    expect(() => translateLegacy(['x.cap', '--execs', '-l', '--tree'], BUILTIN)).toThrow(/give one view: --execs and --tree were both given/);
  });

  it('the subcommand and its alias print the same', () => {
    const a = cli(['execs', FIX, '-T', '-x']);
    const old = cli([FIX, '--execs', '-T', '-x']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(old.stdout);
    expect(a.stdout.split('\n')[0]).toBe('TIME     COMM             PID     PPID    RET ARGS');
    expect(cli([FIX]).stdout).toBe(cli(['info', FIX]).stdout);
  });

  it('--version, per-command help, and the right error for a wrong flag', () => {
    const v = cli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    const h = cli(['opens', '-h']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/-d, --duration <secs>/);
    expect(h.stdout).toMatch(/Also: secanalyze FILE --opens/);
    expect(h.stdout).not.toMatch(/--max-args/);
    const top = cli(['--help']);
    for (const c of BUILTIN) expect(top.stdout).toContain(c.name);
    const wrong = cli(['opens', FIX, '-M']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/unknown option '-M'/);
    const two = cli([FIX, '--execs', '-l', '--tree']);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/give one view/);
    expect(cli(['nosuchcommand', FIX]).stderr).toMatch(/"nosuchcommand" is neither a command \(info, tree/);
  });

  it("'-' reads the capture from standard input", () => {
    const viaStdin = cli(['execs', '-', '-x'], readFileSync(FIX));
    expect(viaStdin.code).toBe(0);
    expect(viaStdin.stdout).toBe(cli(['execs', FIX, '-x']).stdout);
    expect(cli(['shell', '-', '6852', '--escape'], readFileSync(FIX)).stdout).toContain('ALERT');
  });
});

describe('registering a subcommand from another module', () => {
  it('gets the global filters, refusals and operands from one declaration', async () => {
    const seen: string[] = [];
    const count: CommandSpec = {
      name: 'count', summary: 'records per kind', operand: { name: 'kinds', description: 'record kinds', variadic: true },
      refuses: { json: 'it prints one number' },
      options: (c) => { c.option('--plus <n>', 'added to the count', Number, 0); },
      async run(r) {
        let n = 0;
        await r.view({ probes: [], tree: false, record: (rec) => { if (r.operands.includes(rec.body ?? '')) n++; }, end: (ctx) => { seen.push(`${n + r.opts['plus']}`); ctx.out.flush(); } });
      },
    };
    const cmds = [...BUILTIN, count];
    expect(await main(['count', FIX, 'exec', 'exit', '--plus', '1000'], cmds)).toBe(0);
    expect(await main(['count', FIX, 'exec', '--pid', '6848'], cmds)).toBe(0);
    expect(seen).toEqual([String(1000 + 31 + JSON.parse(cli(['info', FIX, '--json']).stdout).events_per_kind.exit), '10']);
    await expect(main(['count', FIX, 'exec', '--json'], cmds)).rejects.toThrow(/count does not take --json: it prints one number/);
    await expect(main(['count', FIX, 'exec', '--csv'], cmds)).rejects.toThrow(/count does not take --csv: it prints one number/);
  });
});

describe('filters are applied or refused', () => {
  it.each([
    [['tree', FIX, '--since', '1'], /tree does not take --since: a tree shows whole lifetimes/],
    [[FIX, '--tree', '--uid', '0'], /tree does not take --uid/],
    [[FIX, '--tree', '--comm', 'bash'], /tree does not take --comm/],
    [['shell', FIX, '6852', '--pid', '1'], /shell does not take --pid/],
    [['replay', FIX, '6852', '--json'], /replay does not take --json/],
    [['chart', FIX, 'events', '-o', '/tmp/x.svg', '--json'], /chart does not take --json/],
    [['chart', FIX, 'events', '-o', '/tmp/x.svg', '--csv'], /chart does not take --csv: a chart is written to -o FILE/],
    [['info', FIX, '--csv'], /info does not take --csv: info is one object/],
    [['execs', FIX, '--json', '--csv'], /give --json or --csv, not both/],
    [['info', FIX, '--since', '1'], /info does not take --since/],
  ])('%j', (args, msg) => {
    const r = cli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
  });

  it('shell and replay apply --since/--until to the session', () => {
    const all = cli(['shell', FIX, '6852', '--escape']).stdout;
    const late = cli(['shell', FIX, '6852', '--escape', '--since', '2.2']).stdout;
    expect(all.length).toBeGreaterThan(late.length);
    expect(all.endsWith(late)).toBe(true);
  });
});

describe('exit codes', () => {
  it.each([
    [['execs', FIX, '-u', 'bogus'], 2, /no user "bogus" on the recorded host/],
    [['opens', FIX, '-f', 'O_BOGUS'], 2, /unknown open flag O_BOGUS/],
    [['execs', FIX, '--since', 'tomorrow'], 2, /--since "tomorrow": give seconds/],
    [['chart', FIX, 'events', '-o', '/tmp/x.png'], 2, /-o \/tmp\/x\.png: unknown chart format; give a file ending in \.svg, \.html/],
    [['chart', FIX, 'pie', '-o', '/tmp/x.svg'], 2, /chart kind "pie"/],
    [['opens', FIX, '-d', '1', '--until', '2'], 2, /give -d SECS or --until, not both/],
    [['replay', FIX, '99999'], 1, /no process 99999 in this capture/],
    [['execs', '/nonexistent.cap'], 1, /nonexistent\.cap/],
    [['execs'], 2, /missing required argument 'file'/],
  ])('%j → %i', (args, code, msg) => {
    const r = cli(args as string[]);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it.each([['opens', '--json', ''], ['opens', '--json', 'SECANALYZE_LINE_WORKER=1'], ['opens', '', ''], ['execs', '--csv', '']])('`%s %s | head -1` stops reading at once and ends quietly with exit 0 %s', (view, fmt, env) => {
    // The capture is cut short (no trailer): a run that read on to its end would say so and exit 3.
    const recs: RecordInit[] = [];
    for (let i = 0; i < 30000; i++) {
      recs.push(view === 'opens' ? { ts: i * 1e6, pid: 50, tid: 50, comm: b('cat'), open: { path: b(`/tmp/file-${i}`), ret: 3 } }
        : { ts: i * 1e6, pid: 50, tid: 50, comm: b('sh'), exec: { filename: b('/bin/true'), argv: [b('true'), b(`arg-${i}`)] } });
    }
    const f = writeCapture(recs, { finish: false }).path;
    expect(spawnSync('bash', ['-c', `node dist/analyzer/cli.js ${view} ${f} ${fmt} > /dev/null`], { encoding: 'utf8' }).status).toBe(3);
    const r = spawnSync('bash', ['-c', `set -o pipefail; ${env} node dist/analyzer/cli.js ${view} ${f} ${fmt} | head -1`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    if (fmt === '--json') expect(JSON.parse(r.stdout).path_text).toBe('/tmp/file-0');
    else expect(r.stdout).toMatch(view === 'opens' ? /^PID\s+COMM/ : /^hostname,/);
  });

  it('--csv: a header and the rows --json gives, in the legacy form too', () => {
    const lines = cli(['execs', FIX, '-x', '--json']).stdout.trim().split('\n');
    const json = lines.map((l) => JSON.parse(l));
    const csv = cli([FIX, '--execs', '-x', '--csv']).stdout.trim().split('\n');
    expect(csv[0]!.split(',')).toEqual(Object.keys(json[0]));
    expect(csv.length - 1).toBe(json.length);
    const tsNs = /"ts_ns":(\d+)/.exec(lines[0]!)![1]; // exact digits (JSON.parse would round)
    expect(csv[1]!.split(',').slice(0, 5)).toEqual([json[0].hostname, json[0].boot_id, tsNs, json[0].time, String(json[0].offset_ns)]);
  });
});
