import type pg from 'pg';
import { MIGRATIONS, type Migration } from './migrations/index.js';
import { LONG_STATEMENT_MILLIS, withQueryTimeout } from './pool.js';

/** Any constant works; it only has to be the same in every smc process. */
const MIGRATION_LOCK_KEY = 0x534d43; // "SMC"

/** Where the applied versions are recorded: a plain SQL identifier, optionally schema-qualified. */
const TABLE_NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

export interface MigrateOptions {
  /**
   * Table recording applied versions. Another service on the same database (the MDM connector)
   * keeps its own list in its own table, so neither mistakes the other's versions for newer ones.
   * @default 'smc_migrations'
   */
  readonly table?: string;
}

export interface MigrationReport {
  readonly applied: readonly string[];
  readonly current: number;
}

/**
 * Applies pending migrations, each in its own transaction. An advisory lock makes two servers
 * starting together on one database take turns instead of racing.
 */
export async function migrate(
  pool: pg.Pool,
  migrations: readonly Migration[] = MIGRATIONS,
  options: MigrateOptions = {},
): Promise<MigrationReport> {
  const table = options.table ?? 'smc_migrations';
  if (!TABLE_NAME.test(table)) {
    throw new RangeError(
      `table: must be a lower-case SQL identifier, got ${JSON.stringify(table)}`,
    );
  }
  const client = await pool.connect();
  try {
    // Another server may hold the lock for a whole migration: wait as long as one may take.
    await client.query('SET statement_timeout = 0; SET lock_timeout = 0');
    await client.query(
      withQueryTimeout(
        { text: 'SELECT pg_advisory_lock($1)', values: [MIGRATION_LOCK_KEY] },
        LONG_STATEMENT_MILLIS,
      ),
    );
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${table}`);
    const done = new Set(rows.map((r) => r.version));
    const known = new Set(migrations.map((m) => m.version));
    const unknown = [...done].filter((v) => !known.has(v));
    if (unknown.length > 0) {
      throw new Error(
        `the database has migrations this smc-kit does not know (${unknown.join(', ')}); it was migrated by a newer version`,
      );
    }
    const applied: string[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        // A migration on a large table (an index over every log) may take minutes.
        await client.query(withQueryTimeout({ text: migration.sql }, LONG_STATEMENT_MILLIS));
        await client.query(`INSERT INTO ${table} (version, name) VALUES ($1, $2)`, [
          migration.version,
          migration.name,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(
          `migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`,
        );
      }
      applied.push(`${migration.version}-${migration.name}`);
    }
    return { applied, current: Math.max(0, ...migrations.map((m) => m.version)) };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    // Discarded, not pooled: its session settings are not the pool's.
    client.release(true);
  }
}
