// Every probe family, in load order. The first one that loads creates the shared ring buffer.
import { proc } from './proc.js';
import { exec } from './exec.js';
import { open } from './open.js';
import { tty } from './tty.js';
import { syserr } from './syserr.js';
import { readline } from './readline.js';
import { module } from './module.js';
import { cred } from './cred.js';
import type { ProbeFamily } from './types.js';

export const FAMILIES: readonly ProbeFamily[] = [proc, exec, open, tty, syserr, readline, module, cred];
export const FAMILY_NAMES = FAMILIES.map((f) => f.name);
export type { ProbeFamily } from './types.js';
