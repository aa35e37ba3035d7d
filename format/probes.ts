// Probe family names as captures carry them (Header.probes, Lost.probe) and as secrec takes them.
// A family that was renamed keeps its former name here: old captures read the same, and
// `secrec --no-eperm` still works.

/** Former name → the name now (syscall_error was eperm, after the classic tool, until 0.3). */
export const FORMER_PROBE_NAMES: { readonly [former: string]: string } = { eperm: 'syscall_error' };

/** The current name of a probe family named by a capture or on the command line. */
export const probeName = (name: string): string => FORMER_PROBE_NAMES[name] ?? name;
