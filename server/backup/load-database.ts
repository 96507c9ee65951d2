import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import pg from 'pg';
import { migrate } from '../store/migrate.js';
import type { BackupManifest } from './manifest.js';
import { KNOWN_SCHEMAS, qualified } from './schema-levels.js';
import { memberStream, type TarMember } from './tar.js';

/** Rows per INSERT: a few hundred KB of JSON text per statement. */
const INSERT_ROWS = 2_000;

/**
 * Recreates the archive's schema with smc-kit's own migrations, exactly up to the level the
 * archive was at (a later `smc serve` applies the rest as usual), then loads every table's
 * rows in one transaction: an interrupted restore leaves the schema and no rows, and the
 * target is still "empty" for the next try after `DROP`ping it.
 */
export async function loadDatabase(
  url: string,
  archive: string,
  manifest: BackupManifest,
  members: ReadonlyMap<string, TarMember>,
  progress: (line: string) => void,
  /** Tables left empty (the clean-database migration leaves the log history behind). */
  skip: ReadonlySet<string> = new Set(),
): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  // A connection that dies while idle (the embedded PostgreSQL stopping as a discarded
  // migration client is still closing) must not crash the process: every real failure
  // comes back through the query that met it.
  pool.on('error', () => {});
  try {
    for (const level of manifest.schemas) {
      const known = KNOWN_SCHEMAS.find((s) => s.table === level.table);
      if (!known) continue;
      if (known.prepare) await pool.query(known.prepare);
      const upTo = known.migrations.filter((m) => m.version <= level.level);
      await migrate(pool, upTo, { table: known.table });
      progress(`schema ${qualified(known.table)} at level ${level.level}`);
    }
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL statement_timeout = 0');
      const order = await loadOrder(
        client,
        manifest.tables.map((t) => t.table),
      );
      for (const table of order) {
        const dump = manifest.tables.find((t) => t.table === table);
        if (!dump) continue;
        if (skip.has(table)) {
          progress(`left ${table} empty (${dump.rows.toLocaleString('en-US')} rows not restored)`);
          continue;
        }
        // Rows a migration seeds (the connector's relay_state) are replaced by the archive's.
        await client.query(`DELETE FROM ${table}`);
        const member = members.get(dump.member) as TarMember;
        const loaded = await loadTable(client, table, archive, member);
        if (loaded !== dump.rows)
          throw new Error(`${dump.member}: holds ${loaded} rows, the manifest says ${dump.rows}`);
        progress(`loaded ${table}: ${loaded.toLocaleString('en-US')} rows`);
      }
      for (const { sequence, lastValue } of manifest.sequences)
        await client.query('SELECT setval($1::regclass, $2)', [sequence, lastValue]);
      await markAgentsRestored(client, progress);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}

/** Parents before children: a table referenced by a foreign key loads first. */
async function loadOrder(client: pg.PoolClient, tables: readonly string[]): Promise<string[]> {
  const { rows } = await client.query<{ child: string; parent: string }>(
    `SELECT cn.nspname || '.' || c.relname AS child, pn.nspname || '.' || p.relname AS parent
       FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
       JOIN pg_class p ON p.oid = k.confrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace
      WHERE k.contype = 'f'`,
  );
  const missing = tables.filter((t) => !t.startsWith('public.') && !t.startsWith('mdm.'));
  if (missing.length) throw new Error(`unexpected tables in the archive: ${missing.join(', ')}`);
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (table: string) => {
    if (ordered.includes(table) || visiting.has(table)) return;
    visiting.add(table);
    for (const edge of rows) if (edge.child === table && edge.parent !== table) visit(edge.parent);
    ordered.push(table);
  };
  for (const table of tables) visit(table);
  return ordered;
}

async function loadTable(
  client: pg.PoolClient,
  table: string,
  archive: string,
  member: TarMember,
): Promise<number> {
  const exists = await client.query('SELECT to_regclass($1) AS oid', [table]);
  if (exists.rows[0]?.oid == null)
    throw new Error(`the archive holds ${table}, which its schema level does not create`);
  const lines = createInterface({
    input: memberStream(archive, member).pipe(createGunzip()),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let batch: string[] = [];
  let rows = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    // The JSON text goes to PostgreSQL as it came out of row_to_json: no number is parsed.
    await client.query(
      `INSERT INTO ${table} SELECT * FROM json_populate_recordset(NULL::${table}, $1::json)`,
      [`[${batch.join(',')}]`],
    );
    rows += batch.length;
    batch = [];
  };
  for await (const line of lines) {
    if (line.length === 0) continue;
    batch.push(line);
    if (batch.length >= INSERT_ROWS) await flush();
  }
  await flush();
  return rows;
}

/**
 * Agents acknowledged past the backup point resend from their own position: each may start
 * past the gap once (migration 9; an archive older than it has no such column to set).
 */
async function markAgentsRestored(
  client: pg.PoolClient,
  progress: (line: string) => void,
): Promise<void> {
  const column = await client.query(
    `SELECT 1 FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name = 'agent_state' AND column_name = 'resume_after_restore'`,
  );
  if (column.rowCount === 0) return;
  const marked = await client.query('UPDATE agent_state SET resume_after_restore = true');
  progress(
    `${(marked.rowCount ?? 0).toLocaleString('en-US')} agents may resume past the backup point on their first replication`,
  );
}
