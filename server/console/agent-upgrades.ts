import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { Type } from 'typebox';
import { IS_SIMULATED } from '../simulation/simulated-agents.js';

/** An upgrade task's progress: of its targets, how many already report the version. */
export async function upgradeProgress(
  pool: pg.Pool,
  taskId: string,
  version: string,
): Promise<{ version: string; targets: number; atVersion: number }> {
  const { rows } = await pool.query<{ targets: number; at: number }>(
    `SELECT count(*)::int AS targets, count(*) FILTER (WHERE c.agent_version = $2)::int AS at
       FROM task_targets tt LEFT JOIN computers c ON c.agent_id = tt.agent_id WHERE tt.task_id = $1`,
    [taskId, version],
  );
  return { version, targets: rows[0]?.targets ?? 0, atVersion: rows[0]?.at ?? 0 };
}

/**
 * GET /api/agent-versions: the version mix, what an operator watches while an upgrade task
 * rolls out. Simulated agents are counted apart, as in /api/stats.
 */
const AgentVersionsResponse = Type.Object({
  items: Type.Array(
    Type.Object({
      /** null: computers that have not reported a version yet. */
      version: Type.Union([Type.String(), Type.Null()]),
      computers: Type.Integer({ minimum: 0 }),
      simulated: Type.Integer({ minimum: 0 }),
    }),
  ),
});

export function registerAgentVersionRoute(app: FastifyInstance, pool: pg.Pool): void {
  app.get(
    '/api/agent-versions',
    { schema: { response: { 200: AgentVersionsResponse } } },
    async () => {
      const { rows } = await pool.query<{ version: string; computers: number; simulated: number }>(
        `SELECT agent_version AS version,
              count(*) FILTER (WHERE NOT sim)::int AS computers,
              count(*) FILTER (WHERE sim)::int AS simulated
         FROM (SELECT c.agent_version, ${IS_SIMULATED('c')} AS sim FROM computers c) v
        GROUP BY agent_version ORDER BY agent_version`,
      );
      return { items: rows };
    },
  );
}
