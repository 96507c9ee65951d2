import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import {
  CreateMdmEnrollmentTokenRequest,
  EnrollmentTokenResponse,
} from '../../../protocol/index.js';
import { installBearerAuth } from '../../console/auth.js';
import type { CheckInPolicy } from '../check-in-policy.js';
import type { DeviceEnrollment } from '../device-enrollment.js';
import type { ConnectorTelemetry } from '../telemetry/connector-telemetry.js';

export interface AdminDeps {
  readonly pool: pg.Pool;
  readonly enrollment: DeviceEnrollment;
  readonly telemetry: ConnectorTelemetry;
  readonly schedule: CheckInPolicy;
  readonly adminToken: string;
  readonly relayAgentId: string;
}

/**
 * The connector's small console on the enrollment port: /api/* under the connector's own admin
 * token (`<data-dir>/pki/admin.token`), /metrics open like the server's (/healthz and /readyz
 * are registered with the listener, http/health-routes.ts).
 * Registered as a plugin so the bearer check covers these routes and not device enrollment.
 */
export async function registerAdminRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  await app.register(async (admin) => {
    installBearerAuth(admin, deps.adminToken);

    admin.get('/metrics', async (_request, reply) => {
      reply.header('content-type', deps.telemetry.registry.contentType);
      return deps.telemetry.registry.metrics();
    });

    admin.post<{ Body: CreateMdmEnrollmentTokenRequest }>(
      '/api/enrollment-tokens',
      {
        schema: {
          body: CreateMdmEnrollmentTokenRequest,
          response: { 200: EnrollmentTokenResponse },
        },
      },
      async (request) => deps.enrollment.createToken(request.body.uses, request.body.ttlSeconds),
    );

    admin.get('/api/stats', async () => {
      const { rows } = await deps.pool.query<{
        devices: number;
        android: number;
        ios: number;
        pending: number;
        delivered: number;
        done: number;
        failed: number;
        outbox: number;
      }>(
        `SELECT (SELECT count(*)::int FROM mdm.devices) AS devices,
                (SELECT count(*)::int FROM mdm.devices WHERE platform = 'android') AS android,
                (SELECT count(*)::int FROM mdm.devices WHERE platform = 'ios') AS ios,
                (SELECT count(*)::int FROM mdm.commands WHERE state = 'pending') AS pending,
                (SELECT count(*)::int FROM mdm.commands WHERE state = 'delivered') AS delivered,
                (SELECT count(*)::int FROM mdm.commands WHERE state = 'done') AS done,
                (SELECT count(*)::int FROM mdm.commands WHERE state = 'failed') AS failed,
                (SELECT count(*)::int FROM mdm.relay_outbox) AS outbox`,
      );
      const row = rows[0];
      const t = deps.telemetry;
      return {
        devices: { total: row?.devices ?? 0, android: row?.android ?? 0, ios: row?.ios ?? 0 },
        commands: {
          pending: row?.pending ?? 0,
          delivered: row?.delivered ?? 0,
          done: row?.done ?? 0,
          failed: row?.failed ?? 0,
        },
        checkInSchedule: deps.schedule.schedule(),
        commandDelay: t.commandDelay(),
        commandWait: t.commandWait(),
        totals: t.totals,
        relay: {
          agentId: deps.relayAgentId,
          outboxDepth: row?.outbox ?? 0,
          lastOkAt: t.relayLastOkAt,
          lastError: t.relayLastError,
        },
      };
    });
  });
}
