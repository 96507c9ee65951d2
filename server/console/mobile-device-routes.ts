import { randomUUID } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { type Static, Type } from 'typebox';
import {
  CreateMobileCommandRequest,
  MDM_COMMAND_PARAMS,
  MDM_COMMAND_RESULT_LOG_KIND,
  MDM_COMMAND_TYPES,
  MDM_CONNECTOR_AGENT_VERSION,
  MDM_DEVICE_LOG_KIND,
  type MdmCommandType,
  MobilePlatform,
  Uuid,
} from '../../protocol/index.js';
import { CHANNELS, notify } from '../cache/notifications.js';
import { ApiError } from '../http/errors.js';

/*
 * Mobile devices on the server's console, read back from what the connectors relay. A
 * projection, not a table: a device summary is a log of type 'event' with data.kind
 * 'mdm-device', stored by the same group commit as every log, so nothing in the replication
 * path changes and nothing can disagree with what the connector sent. Queries stay on the
 * connectors' own logs through the (agent_id, seq) primary key; the connector relays a
 * summary only on change and daily, which bounds what a listing reads.
 */

const strict = { additionalProperties: false } as const;
const DeviceParams = Type.Object({ id: Uuid }, strict);
const MobileDeviceQuery = Type.Object(
  {
    page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    platform: Type.Optional(MobilePlatform),
  },
  strict,
);

const ajv = new Ajv({ allErrors: false, strict: false });
const paramValidators = new Map<MdmCommandType, ValidateFunction>(
  MDM_COMMAND_TYPES.map((type) => [type, ajv.compile(MDM_COMMAND_PARAMS[type])]),
);

const LATEST_SUMMARIES = `
  SELECT DISTINCT ON (l.data->>'deviceId') l.agent_id, l.data
  FROM logs l
  WHERE l.agent_id = ANY($1::uuid[]) AND l.type = 'event' AND l.data->>'kind' = '${MDM_DEVICE_LOG_KIND}'
  ORDER BY l.data->>'deviceId', l.time DESC, l.seq DESC`;

export function registerMobileDeviceRoutes(app: FastifyInstance, pool: pg.Pool): void {
  app.get<{ Querystring: Static<typeof MobileDeviceQuery> }>(
    '/api/mobile-devices',
    { schema: { querystring: MobileDeviceQuery } },
    async (request) => {
      const page = request.query.page ?? 1;
      const pageSize = request.query.pageSize ?? 50;
      const connectors = await connectorIds(pool);
      const { rows } = await pool.query<{ agent_id: string; data: Record<string, unknown> }>(
        `SELECT agent_id, data, count(*) OVER ()::int AS total FROM (${LATEST_SUMMARIES}) latest
         WHERE $2::text IS NULL OR data->>'platform' = $2
         ORDER BY data->>'deviceId' LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`,
        [connectors, request.query.platform ?? null],
      );
      const total = (rows[0] as { total?: number } | undefined)?.total ?? 0;
      return { total, page, pageSize, items: rows.map(asDevice) };
    },
  );

  app.get<{ Params: Static<typeof DeviceParams> }>(
    '/api/mobile-devices/:id',
    { schema: { params: DeviceParams } },
    async (request) => {
      const id = request.params.id;
      const device = await latestSummary(pool, id);
      const results = await pool.query<{ data: Record<string, unknown> }>(
        `SELECT data FROM logs WHERE agent_id = $1 AND type = 'event'
           AND data->>'kind' = '${MDM_COMMAND_RESULT_LOG_KIND}' AND data->>'deviceId' = $2
         ORDER BY seq DESC LIMIT 50`,
        [device.connectorAgentId, id],
      );
      return { device, latestCommandResults: results.rows.map((r) => r.data) };
    },
  );

  app.post<{ Params: Static<typeof DeviceParams>; Body: CreateMobileCommandRequest }>(
    '/api/mobile-devices/:id/commands',
    { schema: { params: DeviceParams, body: CreateMobileCommandRequest } },
    async (request) => {
      const { command, params = {} } = request.body;
      const validate = paramValidators.get(command) as ValidateFunction;
      if (!validate(params)) {
        const first = validate.errors?.[0];
        const named = first?.params as
          | { additionalProperty?: string; missingProperty?: string }
          | undefined;
        const child = named?.additionalProperty ?? named?.missingProperty;
        const field = `/params${first?.instancePath ?? ''}${child ? `/${child}` : ''}`;
        const what = named?.additionalProperty
          ? `is not a parameter of ${command}`
          : named?.missingProperty
            ? `is required for ${command}`
            : first?.message;
        throw new ApiError('SMC_BAD_BODY', `${field} ${what ?? 'is invalid'}`, field);
      }
      const device = await latestSummary(pool, request.params.id);
      const taskId = randomUUID();
      const taskParams = {
        mdmCommand: command,
        deviceId: device.deviceId,
        requestedAt: new Date().toISOString(),
        args: params,
      };
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO tasks (id, type, params, target_all) VALUES ($1, 'run-command', $2, false)`,
          [taskId, taskParams],
        );
        await client.query('INSERT INTO task_targets (agent_id, task_id) VALUES ($1, $2)', [
          device.connectorAgentId,
          taskId,
        ]);
        await notify(client, CHANNELS.tasks, taskId);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
      return {
        taskId,
        deviceId: device.deviceId,
        command,
        connectorAgentId: device.connectorAgentId,
      };
    },
  );
}

async function connectorIds(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ agent_id: string }>(
    'SELECT agent_id FROM computers WHERE agent_version = $1',
    [MDM_CONNECTOR_AGENT_VERSION],
  );
  return rows.map((r) => r.agent_id);
}

async function latestSummary(pool: pg.Pool, deviceId: string) {
  const { rows } = await pool.query<{ agent_id: string; data: Record<string, unknown> }>(
    `SELECT agent_id, data FROM logs
     WHERE agent_id = ANY($1::uuid[]) AND type = 'event'
       AND data->>'kind' = '${MDM_DEVICE_LOG_KIND}' AND data->>'deviceId' = $2
     ORDER BY time DESC, seq DESC LIMIT 1`,
    [await connectorIds(pool), deviceId],
  );
  const row = rows[0];
  if (!row) throw new ApiError('SMC_NOT_FOUND', `no mobile device ${deviceId}`, '/id');
  return asDevice(row);
}

function asDevice(row: { agent_id: string; data: Record<string, unknown> }) {
  const { kind: _kind, deviceId, ...summary } = row.data;
  return { deviceId: deviceId as string, connectorAgentId: row.agent_id, ...summary };
}
