// secanalyze as a user runs it: the built CLI (npm run build) in a child process.
import { spawnSync } from 'node:child_process';

export function cli(args: string[], input?: Buffer) {
  const r = spawnSync('node', ['dist/analyzer/cli.js', ...args], { input, encoding: 'buffer' });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}
