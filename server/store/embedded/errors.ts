/**
 * Why the embedded PostgreSQL could not start or stop, in one line that names what failed
 * and, where there is one, the fix. The CLI prints `message` as it is (never a stack trace).
 */
export class EmbeddedPostgresError extends Error {
  override readonly name = 'EmbeddedPostgresError';
}

/** The last non-empty lines of a process's stderr, joined for a one-line message. */
export function lastLines(text: string, count = 2): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-count)
    .join(' | ');
}
