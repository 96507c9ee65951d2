/**
 * What a failed database call means for the request that made it. Three answers:
 *
 * - `unavailable`: the database is away, shutting down, frozen or out of resources (connection
 *   errors, our timeouts, SQLSTATE classes 08, 53, 57, 58). Nobody's data is at fault: answer
 *   503 + Retry-After and let the client come back; never split a batch over it.
 * - `retry`: a conflict between concurrent transactions (deadlock, serialization): run again.
 * - `data`: the statement refused something in the data (classes 21, 22, 23, 54: bad text,
 *   out-of-range value, constraint, a limit like stack depth). A batch that fails this way is
 *   split so only the replication holding it fails (ingest/batch-isolation.ts).
 * - `bug`: anything else (a syntax error, an undefined column): a 500, the same for everyone.
 */
export type DatabaseFailure = 'unavailable' | 'retry' | 'data' | 'bug';

/** Raised by our own code when it knows the database is away (see DatabaseHealth). */
export class DatabaseUnavailableError extends Error {
  readonly expected = true;
  constructor(message = 'the database is unavailable') {
    super(message);
  }
}

const NODE_CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

// node-postgres raises these as plain Errors (no SQLSTATE).
const PG_CONNECTION_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'is not queryable',
  'Cannot use a pool after calling end',
  'connection error',
  'Connection ended',
];

export function classifyDatabaseError(error: unknown): DatabaseFailure {
  if (error instanceof DatabaseUnavailableError) return 'unavailable';
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (NODE_CONNECTION_CODES.has(code)) return 'unavailable';
    if (/^[0-9A-Z]{5}$/.test(code)) {
      if (code === '40P01' || code === '40001') return 'retry';
      // 57014 query_canceled is our statement_timeout; 55P03 lock_not_available our lock_timeout.
      if (code === '55P03' || code === '25P03') return 'unavailable';
      const klass = code.slice(0, 2);
      if (['08', '53', '57', '58'].includes(klass)) return 'unavailable';
      if (['21', '22', '23', '54'].includes(klass)) return 'data';
      return 'bug';
    }
  }
  if (typeof message === 'string' && PG_CONNECTION_MESSAGES.some((m) => message.includes(m)))
    return 'unavailable';
  return 'bug';
}

export function isDatabaseUnavailable(error: unknown): boolean {
  return classifyDatabaseError(error) === 'unavailable';
}
