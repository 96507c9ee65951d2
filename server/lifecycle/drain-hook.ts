import type { ServerHttp2Stream } from 'node:http2';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../http/errors.js';
import { DRAINING_ERROR, type Drain, goAway } from './drain.js';

/**
 * The agent plane's one admission check against the drain (fastify today; the core stream
 * listener calls `drain.admit()` / `drain.done()` the same way): every agent-plane POST is
 * counted in flight until its answer is gone, and refused with 503 + Retry-After once the
 * node drains. An HTTP/1.1 client is told to close its connection, so its retry goes through
 * the balancer to another node (HTTP/2 sessions got GOAWAY from the drain itself).
 */
export function installDrainAdmission(app: FastifyInstance, drain: Drain): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST' || !request.url.startsWith('/v1/')) return;
    if (!drain.admit()) {
      if (request.raw.httpVersionMajor === 1) reply.header('connection', 'close');
      else {
        const { stream } = request.raw as unknown as { stream?: ServerHttp2Stream };
        reply.raw.once('finish', () => goAway(stream?.session));
      }
      throw new ApiError(
        DRAINING_ERROR.code,
        DRAINING_ERROR.message,
        undefined,
        drain.retryAfterSeconds,
      );
    }
    reply.raw.once('close', () => drain.done());
  });
}
