import type pg from 'pg';
import { MDM_COMMAND_RESULT_LOG_KIND, MDM_DEVICE_LOG_KIND } from '../../protocol/index.js';
import { ApiError } from '../http/errors.js';

/*
 * Mobile devices on the server's console, read back from what the connectors relay. A
 * projection, not a table: a device summary is a log of type 'event' with data.kind
 * 'mdm-device', stored by the same group commit as every log, so nothing in the replication
 * path changes and nothing can disagree with what the connector sent. The connector relays a
 * summary only on change and daily, which bounds what a listing reads; the partial indexes of
 * migrations 2 and 4 find one device's summary and results without reading its connector's
 * other logs. The kind literals below must match those indexes' predicates.
 *
 * Trust comes from the server's own facts only: a summary counts when the agent that relayed
 * it was enrolled with a connector token (enrolled_agents.kind, recorded at enrollment) and is
 * not revoked; which connector holds a device is the one whose summary the server received
 * last (received_at, seq). Nothing an agent writes into its logs (its version, a log's time)
 * makes it a connector or gives it a device.
 */

export interface MobileDevice {
  readonly deviceId: string;
  readonly connectorAgentId: string;
  readonly [field: string]: unknown;
}

const LATEST_SUMMARIES = `
  SELECT DISTINCT ON (l.data->>'deviceId') l.agent_id, l.data
  FROM logs l
  WHERE l.agent_id = ANY($1::uuid[]) AND l.type = 'event' AND l.data->>'kind' = '${MDM_DEVICE_LOG_KIND}'
  ORDER BY l.data->>'deviceId', l.received_at DESC, l.seq DESC`;

/** One page of devices (latest summary each), ordered by device id, with the filtered total. */
export async function listMobileDevices(
  pool: pg.Pool,
  query: { page: number; pageSize: number; platform: string | null },
): Promise<{ total: number; items: MobileDevice[] }> {
  const { rows } = await pool.query<{
    agent_id: string;
    data: Record<string, unknown>;
    total: number;
  }>(
    `SELECT agent_id, data, count(*) OVER ()::int AS total FROM (${LATEST_SUMMARIES}) latest
     WHERE $2::text IS NULL OR data->>'platform' = $2
     ORDER BY data->>'deviceId' LIMIT $3 OFFSET $4`,
    [await connectorIds(pool), query.platform, query.pageSize, (query.page - 1) * query.pageSize],
  );
  return { total: rows[0]?.total ?? 0, items: rows.map(asDevice) };
}

/** The device's latest summary from any connector; 404 naming the id when none has it. */
export async function latestSummary(pool: pg.Pool, deviceId: string): Promise<MobileDevice> {
  const { rows } = await pool.query<{ agent_id: string; data: Record<string, unknown> }>(
    `SELECT agent_id, data FROM logs
     WHERE agent_id = ANY($1::uuid[]) AND type = 'event'
       AND data->>'kind' = '${MDM_DEVICE_LOG_KIND}' AND data->>'deviceId' = $2
     ORDER BY received_at DESC, seq DESC LIMIT 1`,
    [await connectorIds(pool), deviceId],
  );
  const row = rows[0];
  if (!row) throw new ApiError('SMC_NOT_FOUND', `no mobile device ${deviceId}`, '/id');
  return asDevice(row);
}

/** The device's 50 latest command results, newest first. */
export async function commandResultsOf(
  pool: pg.Pool,
  connectorAgentId: string,
  deviceId: string,
): Promise<Record<string, unknown>[]> {
  const { rows } = await pool.query<{ data: Record<string, unknown> }>(
    `SELECT data FROM logs WHERE agent_id = $1 AND type = 'event'
       AND data->>'kind' = '${MDM_COMMAND_RESULT_LOG_KIND}' AND data->>'deviceId' = $2
     ORDER BY seq DESC LIMIT 50`,
    [connectorAgentId, deviceId],
  );
  return rows.map((r) => r.data);
}

async function connectorIds(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ agent_id: string }>(
    `SELECT e.agent_id FROM enrolled_agents e
     WHERE e.kind = 'mdm-connector'
       AND NOT EXISTS (SELECT 1 FROM revoked_agents r WHERE r.agent_id = e.agent_id)`,
  );
  return rows.map((r) => r.agent_id);
}

function asDevice(row: { agent_id: string; data: Record<string, unknown> }): MobileDevice {
  const { kind: _kind, deviceId, ...summary } = row.data;
  return { deviceId: deviceId as string, connectorAgentId: row.agent_id, ...summary };
}
