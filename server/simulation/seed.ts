import type pg from 'pg';
import type { SeedSimulatedRequest, SeedSimulatedResponse } from '../../protocol/index.js';

/**
 * The history spreads over the last two weeks: inside every type's retention (the shortest is
 * 30 days), so the retention job never deletes it during a rehearsal (a deleted acknowledged
 * log would read as a lost one).
 */
const HISTORY_DAYS = 14;

/** The token hash recorded for agents a seed tagged (they enrolled with an earlier server). */
export const SEEDED_TOKEN = 'simulation-seed';

/**
 * Gives simulated agents the history a deployment in steady use has: logs 1..N each (the
 * guide's test case stores ~30 per client) and an ack position of N, so the agents' own logs
 * continue at N + 1 and nothing they send collides with the history. The rows are made inside
 * PostgreSQL from generate_series in one set-based statement per table: a bulk load that sends
 * nothing over the wire and costs one pass, faster than COPY from a client. Agents not known
 * here (identities reused from an earlier rehearsal) are tagged simulated first; an agent that
 * enrolled for real is never touched.
 */
export async function seedSimulatedAgents(
  pool: pg.Pool,
  request: SeedSimulatedRequest,
): Promise<SeedSimulatedResponse> {
  const started = performance.now();
  const ids = [...new Set(request.agentIds)];
  const client = await pool.connect();
  let agents: string[];
  let logsStored = 0;
  try {
    await client.query('BEGIN');
    // One transaction that writes a lot: its commit need not wait for the disk flush of
    // each WAL page (a crash loses the seed, never anything acknowledged to an agent).
    await client.query('SET LOCAL synchronous_commit = off');
    await client.query(
      `INSERT INTO enrolled_agents (agent_id, token_hash, simulated)
       SELECT unnest($1::uuid[]), $2, true ON CONFLICT (agent_id) DO NOTHING`,
      [ids, SEEDED_TOKEN],
    );
    const simulated = await client.query<{ agent_id: string }>(
      'SELECT agent_id FROM enrolled_agents WHERE simulated AND agent_id = ANY($1::uuid[]) ORDER BY agent_id',
      [ids],
    );
    agents = simulated.rows.map((r) => r.agent_id);
    if (agents.length > 0 && request.logsPerAgent > 0) {
      const logs = await client.query(
        `INSERT INTO logs (agent_id, seq, type, time, data)
         SELECT a, g,
                (ARRAY['detection','firewall','hips','scan','audit','event'])[1 + (abs(hashtext(a::text || g)) % 6)],
                now() - make_interval(secs => (abs(hashtext(g || a::text)) % ($3::int * 86400))),
                jsonb_build_object(
                  'seeded', true,
                  'source', 'smc rehearsal history',
                  'object', 'C:\\Users\\user\\AppData\\Local\\Temp\\' || md5(a::text || g) || '.tmp',
                  'detail', md5(g || a::text) || md5(a::text) || md5(g::text),
                  'action', (ARRAY['cleaned','blocked','allowed','quarantined'])[1 + g % 4])
         FROM unnest($1::uuid[]) AS a CROSS JOIN generate_series(1, $2::int) AS g
         -- A seq the agent's own replication stored already stays its own (logs are keyed by
         -- type and time too since migration 12, so the conflict alone would not skip it).
         WHERE NOT EXISTS (SELECT 1 FROM logs l WHERE l.agent_id = a AND l.seq = g)
         ORDER BY a, g
         ON CONFLICT (agent_id, seq, type, time) DO NOTHING`,
        [agents, request.logsPerAgent, HISTORY_DAYS],
      );
      logsStored = logs.rowCount ?? 0;
    }
    await client.query(
      `INSERT INTO agent_state AS s (agent_id, logs_through, last_seen, replications, seq_high)
       SELECT unnest($1::uuid[]), $2::bigint, now(), 0, $2::bigint
       ON CONFLICT (agent_id) DO UPDATE SET logs_through = GREATEST(s.logs_through, EXCLUDED.logs_through),
         seq_high = GREATEST(s.seq_high, EXCLUDED.seq_high)`,
      [agents, request.logsPerAgent],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  const size = await pool.query<{ bytes: number }>(
    'SELECT pg_database_size(current_database())::bigint AS bytes',
  );
  return {
    agents: agents.length,
    skipped: ids.length - agents.length,
    logsStored,
    seconds: (performance.now() - started) / 1_000,
    databaseBytes: size.rows[0]?.bytes ?? 0,
  };
}
