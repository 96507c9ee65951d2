import type pg from 'pg';
import { MDM_COMMAND_RESULT_LOG_KIND, MDM_DEVICE_LOG_KIND } from '../../protocol/index.js';
import { ApiError } from '../http/errors.js';
import { decodeCursor, encodeCursor, isUuid } from './page-cursor.js';

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

/** The latest summary of each device (after `$after`, a device id, when it is not null). */
const latestSummaries = (after: string) => `
  SELECT DISTINCT ON (l.data->>'deviceId') l.agent_id, l.data
  FROM logs l
  WHERE l.agent_id = ANY($1::uuid[]) AND l.type = 'event' AND l.data->>'kind' = '${MDM_DEVICE_LOG_KIND}'
    AND (${after}::text IS NULL OR l.data->>'deviceId' > ${after}::text)
  ORDER BY l.data->>'deviceId', l.received_at DESC, l.seq DESC`;

/** The most a cursor page's total counts to; `totalCapped` says there are more. */
export const DEVICE_COUNT_CAP = 10_000;

/**
 * One page of devices (latest summary each), ordered by device id. With `after` (keyset
 * paging: the last device id of the previous page) the scan starts at that id in the device
 * index, however deep the page, and the total is capped at DEVICE_COUNT_CAP; with `page`
 * (OFFSET) the total is exact, as before.
 */
export async function listMobileDevices(
  pool: pg.Pool,
  query: { page: number; pageSize: number; platform: string | null; after?: string | null },
): Promise<{ total: number; totalCapped?: boolean; items: MobileDevice[]; next: string | null }> {
  const connectors = await connectorIds(pool);
  const after = query.after ?? null;
  let total: number;
  let totalCapped: boolean | undefined;
  let rows: { agent_id: string; data: Record<string, unknown> }[];
  if (after === null) {
    const answer = await pool.query<{
      agent_id: string;
      data: Record<string, unknown>;
      total: number;
    }>(
      `SELECT agent_id, data, count(*) OVER ()::int AS total FROM (${latestSummaries('$5')}) latest
       WHERE $2::text IS NULL OR data->>'platform' = $2
       ORDER BY data->>'deviceId' LIMIT $3 OFFSET $4`,
      [connectors, query.platform, query.pageSize, (query.page - 1) * query.pageSize, null],
    );
    rows = answer.rows;
    total = answer.rows[0]?.total ?? 0;
  } else {
    const answer = await pool.query<{ agent_id: string; data: Record<string, unknown> }>(
      `SELECT agent_id, data FROM (${latestSummaries('$4')}) latest
       WHERE $2::text IS NULL OR data->>'platform' = $2
       ORDER BY data->>'deviceId' LIMIT $3`,
      [connectors, query.platform, query.pageSize, after],
    );
    rows = answer.rows;
    const counted = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM (${latestSummaries('$3')}) latest
         WHERE $2::text IS NULL OR data->>'platform' = $2 LIMIT ${DEVICE_COUNT_CAP + 1}) capped`,
      [connectors, query.platform, null],
    );
    const n = counted.rows[0]?.n ?? 0;
    total = Math.min(n, DEVICE_COUNT_CAP);
    totalCapped = n > DEVICE_COUNT_CAP;
  }
  const items = rows.map(asDevice);
  const last = items.at(-1);
  return {
    total,
    ...(totalCapped === undefined ? {} : { totalCapped }),
    items,
    next:
      last && items.length === query.pageSize ? encodeCursor({ deviceId: last.deviceId }) : null,
  };
}

/** The device id a `next` token of the device list carries; a 400 naming `after` otherwise. */
export function readDeviceCursor(token: string): string {
  return decodeCursor<{ deviceId: string }>(token, { deviceId: isUuid }, '/after').deviceId;
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
