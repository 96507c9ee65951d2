import type pg from 'pg';
import { type ConnectedServer, connectedServers } from '../lifecycle/connected-servers.js';
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
  /**
   * Refuse a contract migration (`previousCanRun: false`) while a server that does not know it
   * is connected (servers announce themselves: lifecycle/server-identity.ts).
   * @default true for the server's own table, false for another service's
   */
  readonly guardOlderServers?: boolean;
}

/** A migration not applied because a running server could not live with it; says which and why. */
export class MigrationRefused extends Error {
  constructor(
    readonly migration: Migration,
    readonly blockers: readonly ConnectedServer[],
  ) {
    const who = blockers
      .map(
        (s) =>
          `smc-server ${s.version} (knows migrations up to ${s.schemaLevel}; pid ${s.pid}${s.clientAddress ? ` on ${s.clientAddress}` : ''})`,
      )
      .join(', ');
    super(
      `migration ${migration.version} (${migration.name}) is a contract step the previous version cannot run against, and ${blockers.length === 1 ? 'a server that predates it is' : `${blockers.length} servers that predate it are`} connected: ${who}; upgrade every server first (a rolling upgrade), then migrate`,
    );
    this.name = 'MigrationRefused';
  }
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
    // What each applied step promised, so a server older than it can tell whether it may run.
    await client.query(
      `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS previous_can_run boolean NOT NULL DEFAULT false`,
    );
    const { rows } = await client.query<{ version: number; previous_can_run: boolean }>(
      `SELECT version, previous_can_run FROM ${table}`,
    );
    const done = new Set(rows.map((r) => r.version));
    const known = new Set(migrations.map((m) => m.version));
    // Newer steps that were all expand-only leave a schema this version still runs on (the
    // rollback half of a rolling upgrade); one contract step does not.
    const unknown = rows.filter((r) => !known.has(r.version));
    const contract = unknown.filter((r) => !r.previous_can_run).map((r) => r.version);
    if (contract.length > 0) {
      throw new Error(
        `the database has migrations this smc-kit does not know (${contract.join(', ')}); it was migrated by a newer version`,
      );
    }
    const pending = [...migrations]
      .sort((a, b) => a.version - b.version)
      .filter((m) => !done.has(m.version));
    if (
      pending.some((m) => !m.previousCanRun) &&
      (options.guardOlderServers ?? table === 'smc_migrations')
    ) {
      const servers = await connectedServers(client);
      for (const migration of pending) {
        if (migration.previousCanRun) continue;
        const blockers = servers.filter((s) => s.schemaLevel < migration.version);
        if (blockers.length > 0) throw new MigrationRefused(migration, blockers);
      }
    }
    const applied: string[] = [];
    for (const migration of pending) {
      await client.query('BEGIN');
      try {
        // A migration on a large table (an index over every log) may take minutes.
        await client.query(withQueryTimeout({ text: migration.sql }, LONG_STATEMENT_MILLIS));
        await client.query(
          `INSERT INTO ${table} (version, name, previous_can_run) VALUES ($1, $2, $3)`,
          [migration.version, migration.name, migration.previousCanRun],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(
          `migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`,
        );
      }
      applied.push(`${migration.version}-${migration.name}`);
    }
    return {
      applied,
      current: Math.max(0, ...migrations.map((m) => m.version), ...unknown.map((r) => r.version)),
    };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    // Discarded, not pooled: its session settings are not the pool's.
    client.release(true);
  }
}
