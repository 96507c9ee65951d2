import { createHash } from 'node:crypto';
import type pg from 'pg';
import {
  type CheckInRequest,
  MAX_COMMANDS_PER_CHECK_IN,
  MDM_COMMAND_RESULT_LOG_KIND,
  MDM_DEVICE_LOG_KIND,
  type MdmCommand,
} from '../../protocol/index.js';
import { isDatabaseUnavailable } from '../store/database-errors.js';

/** One device's check-in as it waits for its batch. */
export interface CheckInItem {
  readonly deviceId: string;
  readonly body: CheckInRequest;
}

/** A command handed to its device by this batch, with the times the delay figures need. */
export interface ClaimedCommand extends MdmCommand {
  readonly requestedAt: Date;
  readonly queuedAt: Date;
  readonly deliveredAt: Date;
}

/** Per device of the batch: its commands, or `unknown` when it is not enrolled here. */
export type CheckInOutcome = readonly ClaimedCommand[] | 'unknown';

/**
 * The SQL of one batch of check-ins, a few statements for the whole batch whatever its size
 * (set-based over `json_to_recordset`): store each status and mark the device's pending
 * commands delivered (one statement); take the results of commands handed out earlier (only a
 * delivered command takes a result, so a resent result changes nothing) and queue them for
 * the server; queue each device summary that is due. The caller answers the devices only
 * after the claims committed, so a command is delivered once or is still pending.
 *
 * The common batch carries no results: its status and claims are one statement committed on
 * its own (one round trip), and the summaries that fall due are queued by a second one whose
 * failure costs nothing (the hash is not recorded, so the next check-in queues it again).
 * A batch with results runs in one transaction, so a result is never taken without being
 * queued for the server. Items must name distinct devices.
 */
export async function storeCheckIns(
  pool: pg.Pool,
  items: readonly CheckInItem[],
  summaryRefreshSeconds: number,
  onSummaryError: (error: unknown) => void,
): Promise<Map<string, CheckInOutcome>> {
  const withResults = items.some((item) => item.body.commandResults.length > 0);
  const client = await pool.connect();
  let failed = false;
  try {
    if (!withResults) {
      const stored = await storeStatusesAndClaim(client, items, summaryRefreshSeconds);
      const known = items.filter((item) => stored.has(item.deviceId));
      await queueForServer(client, known, stored, new Map()).catch(onSummaryError);
      return outcomesOf(items, stored);
    }
    await client.query('BEGIN');
    try {
      const stored = await storeStatusesAndClaim(client, items, summaryRefreshSeconds);
      const known = items.filter((item) => stored.has(item.deviceId));
      await queueForServer(client, known, stored, await storeResults(client, known));
      await client.query('COMMIT');
      return outcomesOf(items, stored);
    } catch (error) {
      // A database that is away would not answer the rollback: discarding the connection
      // rolls back as surely.
      if (!isDatabaseUnavailable(error)) await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    client.release(failed);
  }
}

function outcomesOf(
  items: readonly CheckInItem[],
  stored: ReadonlyMap<string, StoredDevice>,
): Map<string, CheckInOutcome> {
  return new Map(
    items.map((item) => [item.deviceId, stored.get(item.deviceId)?.claimed ?? 'unknown']),
  );
}

interface StoredDevice {
  readonly summaryHash: string | null;
  readonly summaryDue: boolean;
  readonly enrolledAt: Date;
  readonly claimed: ClaimedCommand[];
}

/** Each device's status stored and up to MAX_COMMANDS_PER_CHECK_IN pending commands claimed. */
async function storeStatusesAndClaim(
  client: pg.PoolClient,
  items: readonly CheckInItem[],
  summaryRefreshSeconds: number,
): Promise<Map<string, StoredDevice>> {
  const { rows } = await client.query<{
    id: string;
    summary_hash: string | null;
    summary_due: boolean;
    enrolled_at: Date;
    commands: {
      id: string;
      type: MdmCommand['type'];
      params: Record<string, unknown>;
      created_at: string;
      requested_at: string;
      delivered_at: string;
    }[];
  }>({
    name: 'mdm-store-statuses-and-claim',
    text: `WITH dev AS (
             UPDATE mdm.devices AS d SET platform = x.platform, os_version = x.os_version,
                 model = x.model, last_check_in = now(), battery_level = x.battery_level,
                 charging = x.charging, encrypted = x.encrypted, location = x.location,
                 app_list_hash = x.app_list_hash
             FROM json_to_recordset($1::json) AS x(id uuid, platform text, os_version text,
                 model text, battery_level integer, charging boolean, encrypted boolean,
                 location jsonb, app_list_hash text)
             WHERE d.id = x.id
             RETURNING d.id, d.summary_hash, d.enrolled_at,
               d.summary_relayed_at IS NULL
                 OR d.summary_relayed_at < now() - make_interval(secs => $2) AS summary_due),
           claimed AS (
             UPDATE mdm.commands SET state = 'delivered', delivered_at = clock_timestamp()
             WHERE id IN (
               SELECT p.id FROM dev CROSS JOIN LATERAL (
                 SELECT id FROM mdm.commands WHERE device_id = dev.id AND state = 'pending'
                 ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED) AS p)
             RETURNING id, device_id, type, params, created_at, requested_at, delivered_at)
           SELECT dev.id, dev.summary_hash, dev.enrolled_at, dev.summary_due,
             COALESCE((SELECT json_agg(json_build_object('id', c.id, 'type', c.type,
                 'params', c.params, 'created_at', c.created_at, 'requested_at', c.requested_at,
                 'delivered_at', c.delivered_at) ORDER BY c.created_at)
               FROM claimed AS c WHERE c.device_id = dev.id), '[]') AS commands
           FROM dev`,
    values: [
      JSON.stringify(
        items.map(({ deviceId, body: { device, status } }) => ({
          id: deviceId,
          platform: device.platform,
          os_version: device.osVersion,
          model: device.model,
          battery_level: status.battery.level,
          charging: status.battery.charging,
          encrypted: status.encrypted,
          location: status.location ?? null,
          app_list_hash: status.appListHash,
        })),
      ),
      summaryRefreshSeconds,
      MAX_COMMANDS_PER_CHECK_IN,
    ],
  });
  return new Map(
    rows.map((row) => [
      row.id,
      {
        summaryHash: row.summary_hash,
        summaryDue: row.summary_due,
        enrolledAt: row.enrolled_at,
        claimed: row.commands.map((command) => {
          const queuedAt = new Date(command.created_at);
          return {
            id: command.id,
            type: command.type,
            params: command.params,
            createdAt: queuedAt.toISOString(),
            requestedAt: new Date(command.requested_at),
            queuedAt,
            deliveredAt: new Date(command.delivered_at),
          };
        }),
      },
    ]),
  );
}

interface FinishedCommand {
  id: string;
  device_id: string;
  type: string;
  server_task_id: string | null;
  state: string;
  requested_at: Date;
  delivered_at: Date;
  finished_at: Date;
  detail: string | null;
  result: unknown;
}

async function storeResults(
  client: pg.PoolClient,
  items: readonly CheckInItem[],
): Promise<Map<string, FinishedCommand[]>> {
  const results = items.flatMap(({ deviceId, body }) =>
    body.commandResults.map((r) => ({
      id: r.commandId,
      device_id: deviceId,
      state: r.state,
      at: r.time,
      detail: r.detail ?? null,
      location: r.location ?? null,
    })),
  );
  const byDevice = new Map<string, FinishedCommand[]>();
  if (results.length === 0) return byDevice;
  const { rows } = await client.query<FinishedCommand>({
    name: 'mdm-store-results',
    text: `UPDATE mdm.commands AS c SET state = x.state, finished_at = x.at, detail = x.detail, result = x.location
           FROM json_to_recordset($1::json)
             AS x(id uuid, device_id uuid, state text, at timestamptz, detail text, location jsonb)
           WHERE c.id = x.id AND c.device_id = x.device_id AND c.state = 'delivered'
           RETURNING c.id, c.device_id, c.type, c.server_task_id, c.state, c.requested_at,
                     c.delivered_at, c.finished_at, c.detail, c.result`,
    values: [JSON.stringify(results)],
  });
  for (const row of rows) {
    const list = byDevice.get(row.device_id) ?? [];
    list.push(row);
    byDevice.set(row.device_id, list);
  }
  return byDevice;
}

/**
 * Logs for the management server (numbered later by the relay, see ServerRelay): per device,
 * its command results, then its summary when what an admin filters on changed or the daily
 * refresh is due. The summary hashes are recorded in the same statement.
 */
async function queueForServer(
  client: pg.PoolClient,
  items: readonly CheckInItem[],
  stored: ReadonlyMap<string, StoredDevice>,
  results: ReadonlyMap<string, FinishedCommand[]>,
): Promise<void> {
  const entries: Record<string, unknown>[] = [];
  const relayed: { id: string; hash: string }[] = [];
  for (const { deviceId, body } of items) {
    for (const row of results.get(deviceId) ?? []) entries.push(resultLog(deviceId, row));
    const device = stored.get(deviceId) as StoredDevice;
    const hash = summaryHash(body);
    if (hash === device.summaryHash && !device.summaryDue) continue;
    entries.push(summaryLog(deviceId, body, device.enrolledAt));
    relayed.push({ id: deviceId, hash });
  }
  if (entries.length === 0) return;
  await client.query({
    name: 'mdm-queue-for-server',
    text: `WITH marked AS (
             UPDATE mdm.devices AS d SET summary_hash = x.hash, summary_relayed_at = now()
             FROM json_to_recordset($2::json) AS x(id uuid, hash text) WHERE d.id = x.id)
           INSERT INTO mdm.relay_outbox (data)
           SELECT e.value FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(value, n) ORDER BY e.n`,
    values: [JSON.stringify(entries), JSON.stringify(relayed)],
  });
}

/** What an admin filters on; a change is relayed at once, battery drift is not. */
function summaryHash({ device, status }: CheckInRequest): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        device.platform,
        device.osVersion,
        device.model,
        status.encrypted,
        status.appListHash,
        status.location !== undefined,
      ]),
    )
    .digest('hex');
}

function summaryLog(
  deviceId: string,
  { device, status }: CheckInRequest,
  enrolledAt: Date,
): Record<string, unknown> {
  return {
    kind: MDM_DEVICE_LOG_KIND,
    deviceId,
    platform: device.platform,
    osVersion: device.osVersion,
    model: device.model,
    battery: status.battery,
    encrypted: status.encrypted,
    appListHash: status.appListHash,
    ...(status.location ? { location: status.location } : {}),
    enrolledAt: enrolledAt.toISOString(),
    lastCheckIn: new Date().toISOString(),
  };
}

function resultLog(deviceId: string, row: FinishedCommand): Record<string, unknown> {
  return {
    kind: MDM_COMMAND_RESULT_LOG_KIND,
    deviceId,
    commandId: row.id,
    command: row.type,
    serverTaskId: row.server_task_id,
    state: row.state,
    requestedAt: row.requested_at.toISOString(),
    deliveredAt: row.delivered_at.toISOString(),
    finishedAt: row.finished_at.toISOString(),
    ...(row.detail ? { detail: row.detail.slice(0, 1_024) } : {}),
    ...(row.result ? { location: row.result } : {}),
  };
}
