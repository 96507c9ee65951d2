import type { FastifyInstance } from 'fastify';
import type { DatabaseHealth } from '../store/database-health.js';
import { unavailableRetryAfterSeconds } from './errors.js';

/**
 * `GET /healthz` and `GET /readyz`, open to anyone on the listener (load balancers, probes).
 * Both answer 503 + Retry-After while the database is away; /readyz also while the service is
 * shutting down, so a load balancer stops sending before the listener goes. The body says why:
 * `{ ok, database: { ok, since, reason? } }`.
 */
export function registerHealthRoutes(
  app: FastifyInstance,
  deps: { database: DatabaseHealth; closing: () => boolean },
): void {
  app.get('/healthz', { config: { public: true } }, async (_request, reply) => {
    const database = deps.database.status();
    if (!database.ok)
      reply.code(503).header('retry-after', String(Math.ceil(unavailableRetryAfterSeconds())));
    return { ok: database.ok, database };
  });
  app.get('/readyz', { config: { public: true } }, async (_request, reply) => {
    const database = deps.database.status();
    const closing = deps.closing();
    const ready = database.ok && !closing;
    if (!ready)
      reply.code(503).header('retry-after', String(Math.ceil(unavailableRetryAfterSeconds())));
    return {
      ready,
      ...(closing
        ? { reason: 'shutting down' }
        : !database.ok
          ? { reason: 'database unavailable' }
          : {}),
      database,
    };
  });
}
