import { randomUUID } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { type Static, Type } from 'typebox';
import {
  CreateMobileCommandRequest,
  MDM_COMMAND_PARAMS,
  MDM_COMMAND_TYPES,
  type MdmCommandType,
  MobilePlatform,
  Uuid,
} from '../../protocol/index.js';
import { CHANNELS, notify } from '../cache/notifications.js';
import { ApiError } from '../http/errors.js';
import {
  commandResultsOf,
  latestSummary,
  listMobileDevices,
  readDeviceCursor,
} from './mobile-device-queries.js';
import { MAX_CURSOR_CHARS } from './page-cursor.js';
import { PageNumber } from './schemas.js';

/** The console's mobile devices and their commands (queries: mobile-device-queries.ts). */

const strict = { additionalProperties: false } as const;
const DeviceParams = Type.Object({ id: Uuid }, strict);
const MobileDeviceQuery = Type.Object(
  {
    page: Type.Optional(PageNumber),
    /** Keyset paging: the previous page's `next` token (takes precedence over `page`). */
    after: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_CURSOR_CHARS })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    platform: Type.Optional(MobilePlatform),
  },
  strict,
);

const ajv = new Ajv({ allErrors: false, strict: false });
const paramValidators = new Map<MdmCommandType, ValidateFunction>(
  MDM_COMMAND_TYPES.map((type) => [type, ajv.compile(MDM_COMMAND_PARAMS[type])]),
);

export function registerMobileDeviceRoutes(app: FastifyInstance, pool: pg.Pool): void {
  app.get<{ Querystring: Static<typeof MobileDeviceQuery> }>(
    '/api/mobile-devices',
    { schema: { querystring: MobileDeviceQuery } },
    async (request) => {
      const page = request.query.page ?? 1;
      const pageSize = request.query.pageSize ?? 50;
      const after = request.query.after;
      const listing = await listMobileDevices(pool, {
        page,
        pageSize,
        platform: request.query.platform ?? null,
        after: after === undefined ? null : readDeviceCursor(after),
      });
      const { items, ...counts } = listing;
      return { ...counts, page: after === undefined ? page : null, pageSize, items };
    },
  );

  app.get<{ Params: Static<typeof DeviceParams> }>(
    '/api/mobile-devices/:id',
    { schema: { params: DeviceParams } },
    async (request) => {
      const id = request.params.id;
      const device = await latestSummary(pool, id);
      const latestCommandResults = await commandResultsOf(pool, device.connectorAgentId, id);
      return { device, latestCommandResults };
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
