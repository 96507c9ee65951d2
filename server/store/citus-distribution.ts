import type pg from 'pg';

/*
 * The route past one PostgreSQL for the largest tiers (issue 17): Azure Cosmos DB for
 * PostgreSQL, which is Citus. Every per-agent table is sharded by agent_id and co-located, so a
 * replication's status upsert, its log rows and its task targets land on one worker node and
 * the group commit's statements stay single-shard per agent; tasks becomes a reference table
 * (copied to every node), since task_targets references it. Every key that must be unique
 * already holds agent_id ((agent_id, seq, type, time) on the partitioned logs, agent_id on
 * the rest), which Citus requires
 * of a distributed table. Applied after the migrations only when the database has the citus
 * extension (pg_extension): on plain PostgreSQL (embedded, Flexible Server, hosts) nothing
 * changes. Each table is distributed once: a rerun skips what pg_dist_partition already lists.
 */

/** In order: the reference table first (task_targets' foreign key needs it), then the co-located group. */
export const CITUS_DISTRIBUTION: readonly { readonly table: string; readonly sql: string }[] = [
  { table: 'tasks', sql: "SELECT create_reference_table('tasks')" },
  { table: 'computers', sql: "SELECT create_distributed_table('computers', 'agent_id')" },
  ...['agent_state', 'inventories', 'logs', 'task_targets'].map((table) => ({
    table,
    sql: `SELECT create_distributed_table('${table}', 'agent_id', colocate_with => 'computers')`,
  })),
];

export type CitusOutcome =
  | { readonly citus: false }
  | { readonly citus: true; readonly distributed: readonly string[] };

/** Whether the connected database runs Citus (the extension is installed in it). */
export async function hasCitus(client: pg.Pool | pg.PoolClient): Promise<boolean> {
  const { rows } = await client.query<{ present: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS present",
  );
  return rows[0]?.present === true;
}

/** Distributes the tables not yet distributed, when the database is Citus; otherwise does nothing. */
export async function distributeIfCitus(pool: pg.Pool): Promise<CitusOutcome> {
  if (!(await hasCitus(pool))) return { citus: false };
  const distributed: string[] = [];
  for (const step of CITUS_DISTRIBUTION) {
    const { rows } = await pool.query<{ done: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = $1::regclass) AS done',
      [step.table],
    );
    if (rows[0]?.done) continue;
    await pool.query(step.sql);
    distributed.push(step.table);
  }
  return { citus: true, distributed };
}
