// What a secanalyze subcommand is: one declaration (name, options, what it runs), registered in
// the list in cli.ts. The entry builds commander from these, maps the old `FILE --view` forms
// onto them, applies or refuses each global filter, and turns errors into exit codes.
import { InvalidArgumentError, type Command } from 'commander';
import type { Filters, View, ViewContext } from './pipeline.js';
import type { OutputFormat } from './render.js';

/** The filters every view shares; a command that cannot honour one refuses it, saying why. */
export const GLOBAL_FILTERS = ['json', 'csv', 'since', 'until', 'pid', 'comm', 'uid'] as const;
export type GlobalFilter = (typeof GLOBAL_FILTERS)[number];

/** What a command's action gets. */
export interface CommandRun {
  /** The capture path as given ('-' is standard input). */
  file: string;
  /** The operand after FILE (DEV, PID, KIND), if the command declares one. */
  operand: string | undefined;
  /** Every operand after FILE (a `variadic` operand takes several: more capture files, say). */
  operands: string[];
  /** This command's own options, as commander parsed them. */
  opts: Record<string, any>;
  filters: Filters;
  times: { since?: string; until?: string };
  /** --json, --csv or neither (text). */
  format: OutputFormat;
  /** Runs a view over the capture (progress, warnings, loss and damage reports included). */
  view(v: View, o?: { quiet?: boolean }): Promise<ViewContext>;
  warn(msg: string): void;
}

export interface CommandSpec {
  /** `secanalyze NAME FILE …` */
  name: string;
  /** The old view flag (`secanalyze FILE --execs …`), kept as an alias; a flag with a value
   * (`--tty DEV`) gives its value as the operand. */
  legacy?: string;
  /** One line for the command list. */
  summary: string;
  operand?: { name: string; description: string; optional?: boolean; variadic?: boolean };
  /** Global filters this command cannot honour, with the reason the usage error gives (a command
   * that refuses --json refuses --csv too, for the same reason, unless it names csv itself). */
  refuses?: Partial<Record<GlobalFilter, string>>;
  /** Declares the command's own options (-h shows them). */
  options?(cmd: Command): void;
  /** Checks option values and combinations before anything is read (throw UsageError). */
  check?(run: CommandRun): void;
  run(run: CommandRun): Promise<void>;
  examples?: string[];
}

export const int = (what: string) => (v: string): number => {
  if (!/^\d{1,10}$/.test(v)) throw new InvalidArgumentError(`${what} must be a whole number`);
  return Number(v);
};

export const regex = (v: string): RegExp => {
  try { return new RegExp(v); } catch (e) { throw new InvalidArgumentError((e as Error).message); }
};

export const collect = (v: string, prev: string[]): string[] => [...prev, v];

export const positive = (what: string) => (v: string): number => {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${what} must be a number > 0`);
  return n;
};
