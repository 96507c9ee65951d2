import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { Static } from 'typebox';
import {
  CreateEnrollmentTokenRequest,
  EnrollmentTokenResponse,
  LogAuditRequest,
  LogAuditResponse,
  StatsResponse,
} from '../../protocol/index.js';
import { CHANNELS, notify } from '../cache/notifications.js';
import type { EnrollmentService } from '../enrollment/enrollment-service.js';
import { ApiError } from '../http/errors.js';
import type { GroupCommitter } from '../ingest/group-commit.js';
import type { LoadGovernor } from '../ingest/load-governor.js';
import type { Drain } from '../lifecycle/drain.js';
import { IS_REAL, IS_SIMULATED } from '../simulation/simulated-agents.js';
import { LONG_STATEMENT_MILLIS, withQueryTimeout } from '../store/pool.js';
import type { ServerTelemetry } from '../telemetry/server-telemetry.js';
import { registerAgentVersionRoute, upgradeProgress } from './agent-upgrades.js';
import { computerInsight } from './computer-insight.js';
import { afterCursor, computerCursor, readComputerCursor } from './computer-keyset.js';
import { computerOrder, REPORTED_IP, SORT_KEYS } from './computer-sort.js';
import { registerDrainRoutes } from './drain-routes.js';
import { checkPolicySettings, checkTaskParams } from './form-schemas.js';
import { registerMobileDeviceRoutes } from './mobile-device-routes.js';
import { registerRogueMachineRoutes } from './rogue-machine-routes.js';
import {
  ComputerQuery,
  CreateTaskRequest,
  IdParams,
  PutPolicyRequest,
  ResolveCloneRequest,
  RevokeAgentRequest,
} from './schemas.js';

/** The most a cursor page's total counts to; `totalCapped` says there are more. */
export const COUNT_CAP = 10_000;

export interface ConsoleDeps {
  readonly pool: pg.Pool;
  readonly enrollment: EnrollmentService;
  readonly committer: GroupCommitter;
  readonly governor: LoadGovernor;
  readonly telemetry: ServerTelemetry;
  readonly drain: Drain;
  readonly onDrainRequested?: () => void;
}

/** The console API: what admins, scripts, the simulator's --verify and the web console call. */
export function registerConsoleRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  const { pool } = deps;

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', deps.telemetry.registry.contentType);
    return deps.telemetry.registry.metrics();
  });

  app.post<{ Body: Static<typeof CreateEnrollmentTokenRequest> }>(
    '/api/enrollment-tokens',
    { schema: { body: CreateEnrollmentTokenRequest, response: { 200: EnrollmentTokenResponse } } },
    async (request) =>
      deps.enrollment.createToken(request.body.uses, request.body.ttlSeconds, {
        kind: request.body.kind,
        simulation: request.body.simulation === true,
      }),
  );

  app.get<{ Querystring: Static<typeof ComputerQuery> }>(
    '/api/computers',
    { schema: { querystring: ComputerQuery } },
    async (request) => {
      const q = request.query;
      const page = q.page ?? 1;
      const pageSize = q.pageSize ?? 50;
      const where: string[] = [];
      const values: unknown[] = [];
      const add = (sql: string, value: unknown) => {
        values.push(value);
        where.push(sql.replace('?', `$${values.length}`));
      };
      // Simulated agents (a rehearsal or an after-rollout run) are left out unless asked for.
      if (q.simulated === 'only') where.push(IS_SIMULATED('c'));
      else if (q.simulated !== 'include') where.push(IS_REAL('c'));
      if (q.status) add('c.protection = ?', q.status);
      if (q.os) add('c.os_family = ?', q.os);
      if (q.hostname)
        add(
          "c.hostname ILIKE ? || '%'",
          q.hostname.replace(/[\\%_]/g, (m) => `\\${m}`),
        );
      if (q.clone !== undefined) {
        where.push(
          `${q.clone ? '' : 'NOT '}EXISTS (SELECT 1 FROM clone_questions q WHERE q.agent_id = c.agent_id AND q.resolution IS NULL)`,
        );
      }
      const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const sort = q.sort ?? 'hostname';
      const order = q.order ?? 'asc';
      // The count sees the filter only; the cursor narrows the rows of this page, not the total.
      const countValues = [...values];
      // `page` has a schema default, so a cursor simply takes precedence over it.
      const cursor = q.after === undefined ? null : readComputerCursor(q.after, sort, order);
      const pageWhere = cursor
        ? `${filter ? `${filter} AND` : 'WHERE'} ${afterCursor(cursor, values)}`
        : filter;
      // With a cursor the total is capped (count stops at COUNT_CAP + 1 rows): an exact count
      // of 100,000 computers is itself the deep scan keyset paging avoids. `page` keeps its
      // exact total, since the web console's "page N of M" needs it.
      const total = await pool.query<{ n: number }>(
        cursor
          ? `SELECT count(*)::int AS n FROM (SELECT 1 FROM computers c ${filter} LIMIT ${COUNT_CAP + 1}) capped`
          : `SELECT count(*)::int AS n FROM computers c ${filter}`,
        countValues,
      );
      const offset = cursor ? 0 : (page - 1) * pageSize;
      const items = await pool.query<{ agentId: string; hostname: string; sortKey: string | null }>(
        `SELECT c.agent_id AS "agentId", c.hostname, c.os_family AS "osFamily", c.os_name AS "osName",
                c.protection, c.group_name AS "group", c.agent_version AS "agentVersion",
                ${REPORTED_IP} AS ip, s.last_seen AS "lastSeen", s.logs_through AS "logsThrough",
                EXISTS (SELECT 1 FROM clone_questions q WHERE q.agent_id = c.agent_id AND q.resolution IS NULL) AS "cloneQuestion",
                ${SORT_KEYS[sort].key} AS "sortKey"
         FROM computers c LEFT JOIN agent_state s USING (agent_id)
           LEFT JOIN inventories i USING (agent_id) ${pageWhere}
         ORDER BY ${computerOrder(sort, order)} LIMIT ${pageSize} OFFSET ${offset}`,
        values,
      );
      const last = items.rows.at(-1);
      const n = total.rows[0]?.n ?? 0;
      return {
        total: Math.min(n, cursor ? COUNT_CAP : n),
        ...(cursor ? { totalCapped: n > COUNT_CAP } : {}),
        page: cursor ? null : page,
        pageSize,
        items: items.rows.map(({ sortKey: _key, ...item }) => item),
        // A full page may have a next one; a short page is the last.
        next: last && items.rows.length === pageSize ? computerCursor(sort, order, last) : null,
      };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/computers/:id',
    { schema: { params: IdParams } },
    async (request) => {
      const id = request.params.id;
      const computer = await pool.query(
        `SELECT c.*, s.last_seen, s.logs_through, s.replications FROM computers c
       LEFT JOIN agent_state s USING (agent_id) WHERE c.agent_id = $1`,
        [id],
      );
      if (computer.rowCount === 0) throw new ApiError('SMC_NOT_FOUND', `no computer ${id}`, '/id');
      const [inventory, logs] = await Promise.all([
        pool.query(
          'SELECT hash, hardware, software, updated_at FROM inventories WHERE agent_id = $1',
          [id],
        ),
        pool.query(
          'SELECT seq, type, time, data FROM logs WHERE agent_id = $1 ORDER BY seq DESC LIMIT 50',
          [id],
        ),
      ]);
      return {
        computer: computer.rows[0],
        ...(await computerInsight(pool, computer.rows[0])),
        inventory: inventory.rows[0] ?? null,
        latestLogs: logs.rows,
      };
    },
  );

  app.post<{ Body: Static<typeof CreateTaskRequest> }>(
    '/api/tasks',
    { schema: { body: CreateTaskRequest } },
    async (request) => {
      const { type, params = {}, agentIds, all } = request.body;
      checkTaskParams(type, params);
      if (Boolean(all) === Boolean(agentIds)) {
        throw new ApiError(
          'SMC_BAD_BODY',
          '/agentIds give either agentIds or all: true',
          '/agentIds',
        );
      }
      const id = randomUUID();
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(
          'INSERT INTO tasks (id, type, params, target_all) VALUES ($1, $2, $3, $4)',
          [id, type, params, Boolean(all)],
        );
        const targets = all
          ? await client.query(
              'INSERT INTO task_targets (agent_id, task_id) SELECT agent_id, $1::uuid FROM computers',
              [id],
            )
          : await client.query(
              'INSERT INTO task_targets (agent_id, task_id) SELECT DISTINCT unnest($2::uuid[]), $1::uuid',
              [id, agentIds],
            );
        await notify(client, CHANNELS.tasks, id);
        await client.query('COMMIT');
        return { id, type, targets: targets.rowCount ?? 0 };
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    },
  );

  app.get('/api/tasks', async () => {
    const { rows } = await pool.query(
      `SELECT t.id, t.type, t.created_at AS "createdAt", ${COUNTS} FROM tasks t
       LEFT JOIN task_targets tt ON tt.task_id = t.id GROUP BY t.id ORDER BY t.created_at DESC LIMIT 100`,
    );
    return { items: rows };
  });

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/tasks/:id',
    { schema: { params: IdParams } },
    async (request) => {
      const { rows } = await pool.query(
        `SELECT t.id, t.type, t.params, t.created_at AS "createdAt", ${COUNTS} FROM tasks t
       LEFT JOIN task_targets tt ON tt.task_id = t.id WHERE t.id = $1 GROUP BY t.id`,
        [request.params.id],
      );
      const task = rows[0];
      if (!task) throw new ApiError('SMC_NOT_FOUND', `no task ${request.params.id}`, '/id');
      if (task.type === 'upgrade-agent' && typeof task.params?.version === 'string')
        return { ...task, upgrade: await upgradeProgress(pool, task.id, task.params.version) };
      return task;
    },
  );

  app.get('/api/policy', async () => {
    const { rows } = await pool.query(
      'SELECT version, settings, updated_at AS "updatedAt" FROM policy',
    );
    return rows[0] ?? { version: 0, settings: {}, updatedAt: null };
  });

  app.put<{ Body: Static<typeof PutPolicyRequest> }>(
    '/api/policy',
    { schema: { body: PutPolicyRequest } },
    async (request) => {
      checkPolicySettings(request.body.settings);
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{ version: number }>(
          `INSERT INTO policy (singleton, version, settings) VALUES (true, 1, $1)
           ON CONFLICT (singleton) DO UPDATE SET version = policy.version + 1, settings = EXCLUDED.settings, updated_at = now()
           RETURNING version`,
          [request.body.settings],
        );
        await notify(client, CHANNELS.policy, String(rows[0]?.version));
        await client.query('COMMIT');
        return { version: rows[0]?.version };
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    },
  );

  app.get('/api/clones', async () => {
    const { rows } = await pool.query(
      `SELECT id, agent_id AS "agentId", hostname, known_fingerprint AS "knownFingerprint",
              new_fingerprint AS "newFingerprint", created_at AS "createdAt", resolution, resolved_at AS "resolvedAt"
       FROM clone_questions ORDER BY resolution IS NULL DESC, created_at DESC LIMIT 500`,
    );
    return { items: rows };
  });

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof ResolveCloneRequest> }>(
    '/api/clones/:id/resolve',
    { schema: { params: IdParams, body: ResolveCloneRequest } },
    async (request) => resolveClone(pool, request.params.id, request.body.resolution),
  );

  app.get('/api/stats', { schema: { response: { 200: StatsResponse } } }, async () => {
    const g = deps.governor;
    const { rows } = await pool.query<{
      computers: number;
      simulated: number;
      seen: number;
      problems: number;
      clones: number;
    }>(
      `SELECT (SELECT count(*)::int FROM computers c WHERE ${IS_REAL('c')}) AS computers,
              (SELECT count(*)::int FROM computers c WHERE ${IS_SIMULATED('c')}) AS simulated,
              (SELECT count(*)::int FROM agent_state c WHERE c.last_seen > now() - make_interval(secs => $1) AND ${IS_REAL('c')}) AS seen,
              (SELECT count(*)::int FROM computers c WHERE c.protection <> 'ok' AND ${IS_REAL('c')}) AS problems,
              (SELECT count(*)::int FROM clone_questions WHERE resolution IS NULL) AS clones`,
      [Math.ceil(g.intervalSeconds * 1.1)],
    );
    return {
      computers: rows[0]?.computers ?? 0,
      simulatedComputers: rows[0]?.simulated ?? 0,
      seenWithinInterval: rows[0]?.seen ?? 0,
      withProblems: rows[0]?.problems ?? 0,
      replicationsPerSecond: deps.telemetry.ratePerSecond(),
      totals: deps.telemetry.totals,
      queueDepth: deps.committer.depth,
      interval: {
        baseSeconds: g.baseIntervalSeconds,
        currentSeconds: g.intervalSeconds,
        stretch: g.stretch,
      },
      cloneQuestionsOpen: rows[0]?.clones ?? 0,
    };
  });

  app.post<{ Body: Static<typeof LogAuditRequest> }>(
    '/api/log-audit',
    {
      schema: { body: LogAuditRequest, response: { 200: LogAuditResponse } },
      bodyLimit: 4 * 1024 * 1024,
    },
    async (request) => {
      const agents = request.body.agents.map((a) => ({ ...a, from: a.from ?? 1 }));
      // Counts and the content digest (protocol/log-content.ts LogDigest) of each range; over
      // 20,000 agents this reads every stored log of the run, so it gets the long timeout.
      const client = await pool.connect();
      let failed = false;
      try {
        await client.query('BEGIN');
        await client.query(`SET LOCAL statement_timeout = ${LONG_STATEMENT_MILLIS}`);
        const { rows } = await client.query<{
          agent_id: string;
          from: number;
          through: number;
          stored: number;
          digest: string | null;
        }>(
          withQueryTimeout(
            {
              text: `SELECT x.agent_id, x.from, x.through, d.stored, d.digest
                     FROM unnest($1::uuid[], $2::bigint[], $3::bigint[])
                       WITH ORDINALITY AS x(agent_id, "from", through, n)
                     CROSS JOIN LATERAL (
                       SELECT count(*)::int AS stored,
                         lpad(to_hex(bit_xor(('x' || encode(substr(l.content_hash, 1, 8), 'hex'))::bit(64)::bigint)), 16, '0') AS digest
                       FROM logs l WHERE l.agent_id = x.agent_id AND l.seq BETWEEN x.from AND x.through) d
                     ORDER BY x.n`,
              values: [
                agents.map((a) => a.agentId),
                agents.map((a) => a.from),
                agents.map((a) => a.through),
              ],
            },
            LONG_STATEMENT_MILLIS,
          ),
        );
        await client.query('COMMIT');
        return {
          agents: rows.map((r) => ({
            agentId: r.agent_id,
            from: r.from,
            through: r.through,
            stored: r.stored,
            digest: r.digest ?? '0'.repeat(16),
          })),
        };
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        // A connection whose transaction failed is discarded rather than rolled back.
        client.release(failed);
      }
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof RevokeAgentRequest> }>(
    '/api/agents/:id/revoke',
    { schema: { params: IdParams, body: RevokeAgentRequest } },
    async (request) => revokeAgent(pool, request.params.id, request.body.reason ?? ''),
  );

  app.get('/api/revocations', async () => {
    const { rows } = await pool.query(
      `SELECT agent_id AS "agentId", revoked_at AS "revokedAt", reason FROM revoked_agents
       ORDER BY revoked_at DESC LIMIT 1000`,
    );
    return { items: rows };
  });

  // Mobile devices relayed by MDM connectors (which are agents of this server).
  registerMobileDeviceRoutes(app, pool);
  registerRogueMachineRoutes(app, pool);
  registerAgentVersionRoute(app, pool);
  registerDrainRoutes(app, {
    drain: deps.drain,
    ...(deps.onDrainRequested ? { onDrainRequested: deps.onDrainRequested } : {}),
  });
}

const COUNTS = `count(tt.*) FILTER (WHERE tt.state = 'pending')::int AS pending,
  count(tt.*) FILTER (WHERE tt.state = 'delivered')::int AS delivered,
  count(tt.*) FILTER (WHERE tt.state = 'done')::int AS done,
  count(tt.*) FILTER (WHERE tt.state = 'failed')::int AS failed`;

/**
 * Revokes an enrolled agent's certificate: a row every server node reads, and a NOTIFY that
 * makes each of them refuse the agent at once (cache/revocations.ts). Revoking twice is a no-op.
 */
async function revokeAgent(pool: pg.Pool, agentId: string, reason: string) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const known = await client.query('SELECT 1 FROM enrolled_agents WHERE agent_id = $1', [
      agentId,
    ]);
    if (known.rowCount === 0)
      throw new ApiError('SMC_NOT_FOUND', `no enrolled agent ${agentId}`, '/id');
    const { rows } = await client.query<{ revoked_at: Date }>(
      `INSERT INTO revoked_agents (agent_id, reason) VALUES ($1, $2)
       ON CONFLICT (agent_id) DO UPDATE SET reason = revoked_agents.reason
       RETURNING revoked_at`,
      [agentId, reason],
    );
    await notify(client, CHANNELS.revocations, agentId);
    await client.query('COMMIT');
    return { agentId, revokedAt: rows[0]?.revoked_at.toISOString() };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

async function resolveClone(pool: pg.Pool, id: string, resolution: string) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{
      agent_id: string;
      new_fingerprint: string;
      resolution: string | null;
    }>(
      'SELECT agent_id, new_fingerprint, resolution FROM clone_questions WHERE id = $1 FOR UPDATE',
      [id],
    );
    const question = rows[0];
    if (!question) throw new ApiError('SMC_NOT_FOUND', `no clone question ${id}`, '/id');
    if (question.resolution)
      throw new ApiError(
        'SMC_CONFLICT',
        `clone question ${id} was answered: ${question.resolution}`,
      );
    await client.query(
      'UPDATE clone_questions SET resolution = $2, resolved_at = now() WHERE id = $1',
      [id, resolution],
    );
    const effects: Record<string, string> = {
      'match-existing': `UPDATE computers SET clone_policy = 'match', known_fingerprints = array_append(known_fingerprints, $2) WHERE agent_id = $1`,
      'accept-hardware-change': `UPDATE computers SET fingerprint = $2, known_fingerprints = '{}' WHERE agent_id = $1`,
      'create-new': `UPDATE computers SET clone_policy = 'create-new' WHERE agent_id = $1 AND $2::text IS NOT NULL`,
    };
    const effect = effects[resolution];
    if (effect) await client.query(effect, [question.agent_id, question.new_fingerprint]);
    await client.query('COMMIT');
    return { id, resolution };
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}
