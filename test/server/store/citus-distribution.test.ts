import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CITUS_DISTRIBUTION,
  distributeIfCitus,
  hasCitus,
} from '../../../server/store/citus-distribution.js';
import { migrate } from '../../../server/store/migrate.js';
import { freshDatabase } from '../../support/database.js';

/**
 * The Citus route (issue 17): on the embedded PostgreSQL, which has no citus extension, the
 * detection says so and nothing is distributed (the tables stay plain); the DDL a Citus
 * database would get shards every per-agent table by agent_id, co-located, after the
 * reference table their foreign key needs.
 */
let pool: pg.Pool;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: await freshDatabase('citus'), max: 2 });
  await migrate(pool);
}, 60_000);

afterAll(async () => {
  await pool?.end();
});

describe('Citus distribution', () => {
  it('detects plain PostgreSQL and leaves it unchanged', async () => {
    expect(await hasCitus(pool)).toBe(false);
    expect(await distributeIfCitus(pool)).toEqual({ citus: false });
    // Had it tried, create_distributed_table would not even exist here.
    const { rows } = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'create_distributed_table'",
    );
    expect(rows[0]?.n).toBe(0);
  });

  it('detects the extension once it is installed (a stand-in citus row in pg_extension)', async () => {
    // pg_extension is what the detection reads; a real Citus cannot run here, so a catalogue
    // lookup through a view of the same name on the search path stands in for it.
    const client = await pool.connect();
    try {
      await client.query("CREATE TEMP VIEW pg_extension AS SELECT 'citus'::name AS extname");
      await client.query('SET search_path = pg_temp, pg_catalog, public');
      expect(await hasCitus(client)).toBe(true);
    } finally {
      client.release(true);
    }
  });

  it('shards every per-agent table by agent_id, co-located, after the reference table', () => {
    expect(CITUS_DISTRIBUTION.map((s) => s.sql)).toEqual([
      "SELECT create_reference_table('tasks')",
      "SELECT create_distributed_table('computers', 'agent_id')",
      "SELECT create_distributed_table('agent_state', 'agent_id', colocate_with => 'computers')",
      "SELECT create_distributed_table('inventories', 'agent_id', colocate_with => 'computers')",
      "SELECT create_distributed_table('logs', 'agent_id', colocate_with => 'computers')",
      "SELECT create_distributed_table('task_targets', 'agent_id', colocate_with => 'computers')",
    ]);
  });

  it('names only tables the migrations create, each with agent_id in every unique key', async () => {
    for (const { table } of CITUS_DISTRIBUTION.filter((s) => s.table !== 'tasks')) {
      const { rows } = await pool.query<{ key: string }>(
        `SELECT pg_get_indexdef(i.indexrelid) AS key FROM pg_index i
         WHERE i.indrelid = $1::regclass AND i.indisunique`,
        [table],
      );
      expect(rows.length, table).toBeGreaterThan(0);
      for (const row of rows) expect(row.key, table).toContain('agent_id');
    }
  });
});
