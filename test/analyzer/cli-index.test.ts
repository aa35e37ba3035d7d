// `--index` as a user runs it: the index is made beside the capture once, the output is the same.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RecordInit } from '../../format/index.js';
import { HEADER, writeCapture } from '../helpers.js';
import { cli } from './run-cli.js';

function records(n: number): RecordInit[] {
  return Array.from({ length: n }, (_, i) => ({
    ts: (i + 1) * 100_000, pid: 4000 + (i % 5), tid: 4000 + (i % 5), uid: 0, comm: Buffer.from(i % 2 ? 'cat' : 'sh'), ppid: 1, cpu: 0,
    syscallError: { nr: 257, errno: i % 3 ? 13 : 1 },
  }));
}

describe('secanalyze --index', () => {
  const { path } = writeCapture(records(20_000), { frameBytes: 4096, header: HEADER });
  it('makes FILE.secidx on first use and shows what a full read shows', () => {
    const full = cli(['eperm', path, '--since', '1.8']);
    expect(full.code).toBe(0);
    expect(full.stdout).toMatch(/EACCES/);
    const first = cli(['eperm', path, '--since', '1.8', '--index']);
    expect(first.stderr).toContain(`wrote the time index ${path}.secidx`);
    expect(existsSync(`${path}.secidx`)).toBe(true);
    const second = cli(['eperm', path, '--since', '1.8', '--index']);
    expect(second.stderr).not.toContain('wrote the time index');
    expect(first.stdout).toBe(full.stdout);
    expect(second.stdout).toBe(full.stdout);
  });
  it('says so when the view keeps the process tree', () => {
    const r = cli(['execs', path, '--since', '1.8', '--index']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('--index: execs keeps the process tree');
  });
});
