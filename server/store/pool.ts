import pg from 'pg';

// Counts come back as bigint text by default; our counts fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** A pool with settings for group commit: few connections, each doing big statements. */
export function createPool(url: string, max = 8): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000 });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});
  return pool;
}
