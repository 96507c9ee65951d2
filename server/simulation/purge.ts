import type pg from 'pg';
import type { PurgeSimulatedResponse, SimulationStatusResponse } from '../../protocol/index.js';
import { SIMULATED_IDS } from './simulated-agents.js';

/**
 * Deletes every simulated agent and everything it stored (logs, inventory, ack position,
 * task targets, clone questions, its computer) plus the simulation tokens, in one
 * transaction: a real deployment an after-rollout run was played against is left as it was.
 * Real agents are never touched: the ids come from the simulated tag alone.
 */
export async function purgeSimulatedAgents(pool: pg.Pool): Promise<PurgeSimulatedResponse> {
  const started = performance.now();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Taken once, so agents enrolling with a simulation token meanwhile are left for the next
    // purge rather than half-deleted.
    await client.query(
      `CREATE TEMP TABLE purge_ids ON COMMIT DROP AS ${SIMULATED_IDS}; ANALYZE purge_ids`,
    );
    const deleted = async (table: string) => {
      const result = await client.query(
        `DELETE FROM ${table} t USING purge_ids p WHERE t.agent_id = p.agent_id`,
      );
      return result.rowCount ?? 0;
    };
    const logs = await deleted('logs');
    const inventories = await deleted('inventories');
    await deleted('agent_state');
    const taskTargets = await deleted('task_targets');
    const cloneQuestions = await deleted('clone_questions');
    const computers = await deleted('computers');
    // What simulated sensors reported (`smc simulate --rogues`): their rows are tagged.
    await client.query('DELETE FROM sightings WHERE simulated');
    const agents = await deleted('enrolled_agents');
    const tokens = await client.query('DELETE FROM enrollment_tokens WHERE simulation');
    await client.query('COMMIT');
    return {
      agents,
      computers,
      logs,
      inventories,
      taskTargets,
      cloneQuestions,
      tokens: tokens.rowCount ?? 0,
      seconds: (performance.now() - started) / 1_000,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** How much simulated data the server holds, and the database's size. */
export async function simulationStatus(
  pool: pg.Pool,
  seedAllowed: boolean,
): Promise<SimulationStatusResponse> {
  const { rows } = await pool.query<{
    agents: number;
    computers: number;
    logs: number;
    bytes: number;
  }>(
    `WITH ids AS (${SIMULATED_IDS})
     SELECT (SELECT count(*)::int FROM ids) AS agents,
            (SELECT count(*)::int FROM computers c JOIN ids USING (agent_id)) AS computers,
            (SELECT count(*)::bigint FROM logs l JOIN ids USING (agent_id)) AS logs,
            pg_database_size(current_database())::bigint AS bytes`,
  );
  const row = rows[0];
  return {
    simulatedAgents: row?.agents ?? 0,
    simulatedComputers: row?.computers ?? 0,
    simulatedLogs: row?.logs ?? 0,
    databaseBytes: row?.bytes ?? 0,
    seedAllowed,
  };
}
