import { createHash } from 'node:crypto';
import type pg from 'pg';
import {
  type CheckInRequest,
  type CheckInResponse,
  MAX_COMMANDS_PER_CHECK_IN,
  MDM_COMMAND_RESULT_LOG_KIND,
  MDM_DEVICE_LOG_KIND,
  type MdmCommand,
} from '../../protocol/index.js';
import { ApiError } from '../http/errors.js';
import type { CheckInPolicy } from './check-in-policy.js';
import type { ConnectorTelemetry } from './telemetry/connector-telemetry.js';

export interface CheckInServiceOptions {
  /**
   * A device summary is relayed to the server when what an admin filters on changes (platform,
   * OS, model, encryption, app list), and at least this often otherwise. Ours: daily, well inside
   * the server's 30-day retention of events, so an unchanged device never drops off its list.
   */
  readonly summaryRefreshSeconds?: number;
}

/**
 * One check-in, one transaction: store the status, take the results of earlier commands, queue
 * what the server should hear, and mark the handed-out commands delivered. The answer leaves
 * only after the commit, so a command is either delivered once or still pending.
 */
export class CheckInService {
  private readonly refreshSeconds: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly schedule: CheckInPolicy,
    private readonly telemetry: ConnectorTelemetry,
    options: CheckInServiceOptions = {},
  ) {
    this.refreshSeconds = options.summaryRefreshSeconds ?? 86_400;
  }

  async checkIn(deviceId: string, body: CheckInRequest): Promise<CheckInResponse> {
    const started = performance.now();
    const client = await this.pool.connect();
    let commands: (MdmCommand & { requestedAt: Date; queuedAt: Date; deliveredAt: Date })[];
    try {
      await client.query('BEGIN');
      const device = await this.storeStatus(client, deviceId, body);
      await this.storeResults(client, deviceId, body);
      await this.relaySummaryIfDue(client, deviceId, body, device);
      commands = await this.claimCommands(client, deviceId);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
    for (const command of commands) {
      const deliveredMs = command.deliveredAt.getTime();
      this.telemetry.delivered(
        deliveredMs - command.requestedAt.getTime(),
        deliveredMs - command.queuedAt.getTime(),
      );
    }
    this.telemetry.checkedIn((performance.now() - started) / 1_000);
    return {
      commands: commands.map(({ id, type, params, createdAt }) => ({
        id,
        type,
        params,
        createdAt,
      })),
      next: this.schedule.next(),
    };
  }

  private async storeStatus(client: pg.PoolClient, deviceId: string, body: CheckInRequest) {
    const { device, status } = body;
    const { rows } = await client.query<{
      summary_hash: string | null;
      summary_due: boolean;
      enrolled_at: Date;
    }>({
      name: 'mdm-store-status',
      text: `UPDATE mdm.devices SET platform = $2, os_version = $3, model = $4, last_check_in = now(),
               battery_level = $5, charging = $6, encrypted = $7, location = $8, app_list_hash = $9
             WHERE id = $1
             RETURNING summary_hash, enrolled_at,
               summary_relayed_at IS NULL OR summary_relayed_at < now() - make_interval(secs => $10) AS summary_due`,
      values: [
        deviceId,
        device.platform,
        device.osVersion,
        device.model,
        status.battery.level,
        status.battery.charging,
        status.encrypted,
        status.location ?? null,
        status.appListHash,
        this.refreshSeconds,
      ],
    });
    const row = rows[0];
    if (!row) {
      throw new ApiError('SMC_FORBIDDEN', `device ${deviceId} is not enrolled on this connector`);
    }
    return row;
  }

  private async storeResults(
    client: pg.PoolClient,
    deviceId: string,
    body: CheckInRequest,
  ): Promise<void> {
    if (body.commandResults.length === 0) return;
    // Only a delivered command takes a result: a resent result (answer lost) changes nothing.
    const { rows } = await client.query<{
      id: string;
      type: string;
      server_task_id: string | null;
      state: string;
      requested_at: Date;
      delivered_at: Date;
      finished_at: Date;
      detail: string | null;
      result: unknown;
    }>({
      name: 'mdm-store-results',
      text: `UPDATE mdm.commands AS c SET state = x.state, finished_at = x.at, detail = x.detail, result = x.location
             FROM json_to_recordset($2::json) AS x(id uuid, state text, at timestamptz, detail text, location jsonb)
             WHERE c.id = x.id AND c.device_id = $1 AND c.state = 'delivered'
             RETURNING c.id, c.type, c.server_task_id, c.state, c.requested_at, c.delivered_at,
                       c.finished_at, c.detail, c.result`,
      values: [
        deviceId,
        JSON.stringify(
          body.commandResults.map((r) => ({
            id: r.commandId,
            state: r.state,
            at: r.time,
            detail: r.detail ?? null,
            location: r.location ?? null,
          })),
        ),
      ],
    });
    await queueForServer(
      client,
      rows.map((row) => ({
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
      })),
    );
  }

  private async relaySummaryIfDue(
    client: pg.PoolClient,
    deviceId: string,
    body: CheckInRequest,
    stored: { summary_hash: string | null; summary_due: boolean; enrolled_at: Date },
  ): Promise<void> {
    const { device, status } = body;
    const hash = createHash('sha256')
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
    if (hash === stored.summary_hash && !stored.summary_due) return;
    await queueForServer(client, [
      {
        kind: MDM_DEVICE_LOG_KIND,
        deviceId,
        platform: device.platform,
        osVersion: device.osVersion,
        model: device.model,
        battery: status.battery,
        encrypted: status.encrypted,
        appListHash: status.appListHash,
        ...(status.location ? { location: status.location } : {}),
        enrolledAt: stored.enrolled_at.toISOString(),
        lastCheckIn: new Date().toISOString(),
      },
    ]);
    await client.query({
      name: 'mdm-summary-relayed',
      text: 'UPDATE mdm.devices SET summary_hash = $2, summary_relayed_at = now() WHERE id = $1',
      values: [deviceId, hash],
    });
  }

  private async claimCommands(client: pg.PoolClient, deviceId: string) {
    const { rows } = await client.query<{
      id: string;
      type: MdmCommand['type'];
      params: Record<string, unknown>;
      created_at: Date;
      requested_at: Date;
      delivered_at: Date;
    }>({
      name: 'mdm-claim-commands',
      text: `UPDATE mdm.commands SET state = 'delivered', delivered_at = clock_timestamp()
             WHERE id IN (SELECT id FROM mdm.commands WHERE device_id = $1 AND state = 'pending'
                          ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
             RETURNING id, type, params, created_at, requested_at, delivered_at`,
      values: [deviceId, MAX_COMMANDS_PER_CHECK_IN],
    });
    return rows
      .sort((a, b) => a.created_at.getTime() - b.created_at.getTime())
      .map((row) => ({
        id: row.id,
        type: row.type,
        params: row.params,
        createdAt: row.created_at.toISOString(),
        requestedAt: row.requested_at,
        queuedAt: row.created_at,
        deliveredAt: row.delivered_at,
      }));
  }
}

/** Logs for the management server, numbered later by the relay (see ServerRelay). */
async function queueForServer(
  client: pg.PoolClient,
  entries: readonly Record<string, unknown>[],
): Promise<void> {
  if (entries.length === 0) return;
  await client.query({
    name: 'mdm-queue-for-server',
    text: `INSERT INTO mdm.relay_outbox (data) SELECT e.value FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(value, n) ORDER BY e.n`,
    values: [JSON.stringify(entries)],
  });
}
