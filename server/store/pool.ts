import pg from 'pg';

// Counts come back as bigint text by default; our counts fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/**
 * Timeouts every connection gets, so a database that is away or frozen makes requests fail
 * (503 + Retry-After) within seconds instead of hanging until clients give up. Ours:
 * - connect: 5 s (a loopback or LAN PostgreSQL answers in milliseconds);
 * - statement: 15 s, enforced by PostgreSQL: a group-commit batch takes ~5-80 ms, a console
 *   listing well under a second; work known to be long (migrations, audits) sets its own;
 * - query: 20 s, enforced here: also ends a call to a frozen server (SIGSTOP, a hung host),
 *   which never answers a cancel. A little over the statement timeout, so a live server
 *   cancels first and the connection stays usable;
 * - idle in transaction: 60 s (a client that died mid-transaction releases its locks);
 * - lock: 10 s (a row locked by a stuck transaction fails the batch, not everyone's wait).
 */
export const POOL_TIMEOUTS = {
  connectionTimeoutMillis: 5_000,
  statementTimeoutMillis: 15_000,
  queryTimeoutMillis: 20_000,
  idleInTransactionMillis: 60_000,
  lockTimeoutMillis: 10_000,
} as const;

export type PoolTimeouts = { readonly [K in keyof typeof POOL_TIMEOUTS]: number };

/** Timeouts for a `pg.Client` or `pg.Pool` config. */
export function connectionTimeouts(timeouts: Partial<PoolTimeouts> = {}): pg.ClientConfig {
  const t = { ...POOL_TIMEOUTS, ...timeouts };
  return {
    connectionTimeoutMillis: t.connectionTimeoutMillis,
    statement_timeout: t.statementTimeoutMillis,
    query_timeout: t.queryTimeoutMillis,
    idle_in_transaction_session_timeout: t.idleInTransactionMillis,
    lock_timeout: t.lockTimeoutMillis,
    keepAlive: true,
  };
}

/** A pool with settings for group commit: few connections, each doing big statements. */
export function createPool(url: string, max = 8, timeouts: Partial<PoolTimeouts> = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    idleTimeoutMillis: 30_000,
    ...connectionTimeouts(timeouts),
  });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});
  // Nor one that is checked out: pg-pool takes its own listener off while a client is lent,
  // and a server that terminates the connection between two statements of a transaction
  // (57P01 on shutdown) makes the client emit 'error' with no query to fail. The statement
  // that comes next fails on its own; the event must not be an uncaught exception.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/**
 * For the few statements known to be long (a migration building an index on a large table, an
 * audit over every agent): run them in a transaction after `SET LOCAL statement_timeout` to
 * this, and pass it as the query's own `query_timeout`. Ours: 10 minutes.
 */
export const LONG_STATEMENT_MILLIS = 10 * 60_000;

/** `query` with its own client-side timeout (node-postgres reads `query_timeout` per query). */
export function withQueryTimeout<T extends pg.QueryConfig>(query: T, ms: number): T {
  return Object.assign(query, { query_timeout: ms });
}
