import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { Static } from 'typebox';
import { ApiError } from '../http/errors.js';
import type { GroupCommitter } from '../ingest/group-commit.js';
import type { LoadGovernor } from '../ingest/load-governor.js';
import { IS_REAL, IS_SIMULATED } from '../simulation/simulated-agents.js';
import type { ServerTelemetry } from '../telemetry/server-telemetry.js';
import { installAuditTrail } from './audit-trail.js';
import { FleetSeries, SAMPLE_EVERY_MS } from './fleet-series.js';
import { PolicySettings, TASK_PARAMS } from './form-schemas.js';
import {
  AuditQuery,
  AuditResponse,
  FormSchemasResponse,
  LogSearchQuery,
  LogSearchResponse,
  SeriesQuery,
  SeriesResponse,
  TrendsQuery,
  TrendsResponse,
} from './insight-schemas.js';
import { OfflineSeries } from './offline-series.js';

export interface InsightDeps {
  readonly pool: pg.Pool;
  readonly telemetry: ServerTelemetry;
  readonly committer: GroupCommitter;
  readonly governor: LoadGovernor;
}

/** Time windows (minutes) a newest-first log search tries before the one asked for. */
const WINDOWS_MINUTES = [15, 60, 240, 960, 3_840, 15_360, 61_440];

/** A search scans at most the bounded window; past this the database is told to stop. */
const SEARCH_TIMEOUT_MS = 15_000;

/**
 * What an operator reads to see the fleet over time (issue 20): the rate and latency series
 * kept on the server, log search, trends, the audit trail of admin actions, and the schemas
 * the policy and task forms are built from.
 */
export function registerInsightRoutes(app: FastifyInstance, deps: InsightDeps): void {
  const { pool } = deps;
  installAuditTrail(app, pool);
  const series = new FleetSeries(deps.telemetry, () => deps.committer.depth);
  const offline = new OfflineSeries(pool, deps.governor, (error) =>
    app.log.error({ err: error }, 'offline-agents sample failed'),
  );
  app.addHook('onReady', async () => {
    series.start();
    offline.start();
  });
  app.addHook('onClose', async () => {
    series.stop();
    offline.stop();
  });

  app.get<{ Querystring: Static<typeof SeriesQuery> }>(
    '/api/stats/series',
    { schema: { querystring: SeriesQuery, response: { 200: SeriesResponse } } },
    async (request) => ({
      sampleEveryMs: SAMPLE_EVERY_MS,
      samples: series.since(request.query.since),
    }),
  );

  app.get<{ Querystring: Static<typeof LogSearchQuery> }>(
    '/api/logs',
    { schema: { querystring: LogSearchQuery, response: { 200: LogSearchResponse } } },
    async (request) => {
      const q = request.query;
      const page = q.page ?? 1;
      const pageSize = q.pageSize ?? 50;
      const minutes = (q.hours ?? 24) * 60;
      const values: unknown[] = [minutes];
      const where = ['l.time > now() - make_interval(mins => $1)'];
      const add = (sql: string, value: unknown) => {
        values.push(value);
        where.push(sql.replace('?', `$${values.length}`));
      };
      if (q.type) add('l.type = ?', q.type);
      if (q.agentId) add('l.agent_id = ?', q.agentId);
      if (q.q)
        add(
          "l.data::text ILIKE '%' || ? || '%'",
          q.q.replace(/[\\%_]/g, (m) => `\\${m}`),
        );
      if (q.simulated === 'only') where.push(IS_SIMULATED('c'));
      else if (q.simulated !== 'include') where.push(IS_REAL('c'));
      const direction = q.order === 'oldest' ? 'ASC' : 'DESC';
      type Row = {
        agentId: string;
        hostname: string;
        seq: string;
        type: string;
        time: Date;
        data: Record<string, unknown>;
      };
      const text = `SELECT l.agent_id AS "agentId", c.hostname, l.seq::text AS seq, l.type, l.time, l.data
         FROM logs l JOIN computers c USING (agent_id)
         WHERE ${where.join(' AND ')}
         ORDER BY l.time ${direction}, l.agent_id, l.seq ${direction}
         LIMIT ${pageSize + 1} OFFSET ${(page - 1) * pageSize}`;
      // Newest first, there is no time index to walk (the hot path pays for none), so look in
      // growing windows: a full page from the last 15 minutes is the same page the whole
      // window would give, and a busy fleet never sorts a day of logs for it. Each step is
      // four times the last, so a listing that needs the whole window costs about 1.3 scans.
      // A text search reads every log of the window whatever the order (ILIKE has no index),
      // so it goes straight to the whole window.
      const windows =
        direction === 'DESC' && !q.q
          ? [...WINDOWS_MINUTES.filter((w) => w < minutes), minutes]
          : [minutes];
      let rows: Row[] = [];
      for (const window of windows) {
        values[0] = window;
        rows = await boundedQuery<Row>(pool, text, values);
        if (rows.length > pageSize) break;
      }
      return {
        page,
        pageSize,
        more: rows.length > pageSize,
        items: rows.slice(0, pageSize).map((r) => ({ ...r, time: r.time.toISOString() })),
      };
    },
  );

  app.get<{ Querystring: Static<typeof AuditQuery> }>(
    '/api/audit',
    { schema: { querystring: AuditQuery, response: { 200: AuditResponse } } },
    async (request) => {
      const page = request.query.page ?? 1;
      const pageSize = request.query.pageSize ?? 50;
      const [total, items] = await Promise.all([
        pool.query<{ n: number }>('SELECT count(*)::int AS n FROM console_audit'),
        pool.query<{ at: Date }>(
          `SELECT id::text, at, method, route, path, status, remote, summary FROM console_audit
           ORDER BY id DESC LIMIT $1 OFFSET $2`,
          [pageSize, (page - 1) * pageSize],
        ),
      ]);
      return {
        total: total.rows[0]?.n ?? 0,
        page,
        pageSize,
        items: items.rows.map((r) => ({ ...r, at: r.at.toISOString() })),
      };
    },
  );

  app.get<{ Querystring: Static<typeof TrendsQuery> }>(
    '/api/trends',
    { schema: { querystring: TrendsQuery, response: { 200: TrendsResponse } } },
    async (request) => {
      const days = request.query.days ?? 14;
      // Whole UTC days, today included, with the empty ones as zero.
      const perDay = (inner: string) =>
        `WITH d AS (SELECT generate_series(date_trunc('day', now() AT TIME ZONE 'UTC') - make_interval(days => $1 - 1),
                                           date_trunc('day', now() AT TIME ZONE 'UTC'), interval '1 day') AS day)
         SELECT to_char(d.day, 'YYYY-MM-DD') AS day, coalesce(x.n, 0)::int AS count
         FROM d LEFT JOIN (${inner}) x ON x.day = d.day ORDER BY d.day`;
      const since = `(date_trunc('day', now() AT TIME ZONE 'UTC') - make_interval(days => $1 - 1)) AT TIME ZONE 'UTC'`;
      const [detections, enrolled] = await Promise.all([
        boundedQuery<{ day: string; count: number }>(
          pool,
          perDay(
            `SELECT date_trunc('day', l.time AT TIME ZONE 'UTC') AS day, count(*) AS n
             FROM logs l WHERE l.type = 'detection' AND l.time >= ${since} AND ${IS_REAL('l')} GROUP BY 1`,
          ),
          [days],
          '/days',
        ),
        pool.query(
          perDay(
            `SELECT date_trunc('day', c.first_seen AT TIME ZONE 'UTC') AS day, count(*) AS n
             FROM computers c WHERE c.first_seen >= ${since} AND ${IS_REAL('c')} GROUP BY 1`,
          ),
          [days],
        ),
      ]);
      return {
        days,
        detectionsPerDay: detections,
        enrolledPerDay: enrolled.rows,
        offline: offline.all(),
      };
    },
  );

  app.get(
    '/api/form-schemas',
    { schema: { response: { 200: FormSchemasResponse } } },
    async () => ({ policy: PolicySettings, tasks: TASK_PARAMS }),
  );
}

/**
 * A read over the logs table, stopped by the database itself after SEARCH_TIMEOUT_MS (SET
 * LOCAL statement_timeout, so the work ends, not only the wait). A search that broad is the
 * caller's to narrow: a 400 naming the parameter that bounds it.
 */
export async function boundedQuery<T extends object>(
  pool: pg.Pool,
  text: string,
  values: unknown[],
  field = '/hours',
  timeoutMs = SEARCH_TIMEOUT_MS,
): Promise<T[]> {
  const client = await pool.connect();
  let failed = false;
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${Math.round(timeoutMs)}`);
    const { rows } = await client.query<T>(text, values);
    await client.query('COMMIT');
    return rows;
  } catch (error) {
    failed = true;
    if ((error as { code?: string }).code === '57014') {
      throw new ApiError(
        'SMC_BAD_BODY',
        `${field} the search ran over ${timeoutMs / 1_000} s: narrow it (one computer, one type, a shorter time window, more specific text)`,
        field,
      );
    }
    throw error;
  } finally {
    // A connection whose transaction failed is discarded rather than rolled back.
    client.release(failed);
  }
}
