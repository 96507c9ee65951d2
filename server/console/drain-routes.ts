import type { FastifyInstance } from 'fastify';
import type { Drain } from '../lifecycle/drain.js';

/**
 * GET /api/drain: this node's drain state. POST /api/drain: take it out of rotation (the
 * console's way to do what SIGTERM with `smc serve --drain` does): new replications get 503 +
 * Retry-After, the ones in flight finish, health says draining, and `smc serve` then exits.
 */
export function registerDrainRoutes(
  app: FastifyInstance,
  deps: { drain: Drain; onDrainRequested?: () => void },
): void {
  app.get('/api/drain', async () => deps.drain.status());
  app.post('/api/drain', async (_request, reply) => {
    void deps.drain.start();
    deps.onDrainRequested?.();
    reply.code(202);
    return deps.drain.status();
  });
}
