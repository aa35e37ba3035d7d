// Errors the analyzer's entry maps to exit codes: a UsageError is the analyst's to fix (exit 2).

/** A wrong option value or combination, found before or while reading (exit 2, no stack). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
