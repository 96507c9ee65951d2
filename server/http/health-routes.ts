import type { FastifyInstance } from 'fastify';
import type { Drain } from '../lifecycle/drain.js';
import type { DatabaseHealth } from '../store/database-health.js';
import { unavailableRetryAfterSeconds } from './errors.js';

/**
 * `GET /healthz` and `GET /readyz`, open to anyone on the listener (load balancers, probes).
 * Both answer 503 + Retry-After while the database is away; /readyz also while the service is
 * shutting down or draining (a rolling upgrade), so a load balancer stops sending before the
 * listener goes. The body says why: `{ ok, database: { ok, since, reason? }, drain }`.
 */
export function registerHealthRoutes(
  app: FastifyInstance,
  deps: { database: DatabaseHealth; closing: () => boolean; drain?: Drain },
): void {
  app.get('/healthz', { config: { public: true } }, async (_request, reply) => {
    const database = deps.database.status();
    if (!database.ok)
      reply.code(503).header('retry-after', String(Math.ceil(unavailableRetryAfterSeconds())));
    return { ok: database.ok, database, ...(deps.drain ? { drain: deps.drain.status() } : {}) };
  });
  app.get('/readyz', { config: { public: true } }, async (_request, reply) => {
    const database = deps.database.status();
    const closing = deps.closing();
    const draining = deps.drain?.draining === true;
    const ready = database.ok && !closing && !draining;
    if (!ready)
      reply
        .code(503)
        .header(
          'retry-after',
          String(
            draining ? deps.drain?.retryAfterSeconds : Math.ceil(unavailableRetryAfterSeconds()),
          ),
        );
    return {
      ready,
      ...(draining
        ? { reason: 'draining' }
        : closing
          ? { reason: 'shutting down' }
          : !database.ok
            ? { reason: 'database unavailable' }
            : {}),
      database,
      ...(deps.drain ? { drain: deps.drain.status() } : {}),
    };
  });
}
