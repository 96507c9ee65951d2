import type { FastifyInstance } from 'fastify';
import type { DatabaseHealth } from '../store/database-health.js';
import { BodyBudget } from './body-budget.js';
import { ConnectionHygiene, type ConnectionLimits } from './connection-hygiene.js';
import {
  ApiError,
  type FaultSink,
  installErrorHandler,
  unavailableRetryAfterSeconds,
} from './errors.js';
import { installJsonBodies } from './json-bodies.js';

/**
 * Everything a listener facing peers gets, in one place so no listener is forgotten: the
 * error catalogue, JSON bodies read against a memory budget, connection hygiene (timeouts and
 * caps) and, for routes that need the database, an immediate 503 + Retry-After while it is
 * away. Each listener has its own budget and caps, so a flood on one leaves the others alone.
 */
export interface ListenerGuardOptions {
  /** Names the listener in metrics (`agent`, `console`, `mdm-enroll`, `mdm-device`). */
  readonly name: string;
  /** Bytes of request bodies the listener holds at once (read and parsed). */
  readonly bodyBudgetBytes: number;
  readonly connections?: ConnectionLimits;
  readonly faults: FaultSink;
  readonly database?: DatabaseHealth;
  /** Which paths need the database (refused at once while it is away). @default none */
  readonly needsDatabase?: (path: string) => boolean;
}

export interface GuardedListener {
  readonly name: string;
  readonly budget: BodyBudget;
  readonly hygiene: ConnectionHygiene;
}

/** HTTP/2 settings of every listener. Ours: agents keep one replication in flight; 32 streams leave room for a proxy multiplexing a few. */
export const HTTP2_SETTINGS = { maxConcurrentStreams: 32 } as const;

export function guardListener(
  app: FastifyInstance,
  options: ListenerGuardOptions,
): GuardedListener {
  installErrorHandler(app, options.faults);
  const budget = new BodyBudget(options.bodyBudgetBytes);
  installJsonBodies(app, { budget });
  const hygiene = new ConnectionHygiene(app.server, options.connections);
  app.addHook('onClose', async () => hygiene.stop());
  const { database, needsDatabase } = options;
  if (database && needsDatabase) {
    app.addHook('onRequest', async (request) => {
      if (database.available || !needsDatabase(request.url.split('?')[0] ?? '')) return;
      throw new ApiError(
        'SMC_UNAVAILABLE',
        'the database is unavailable; retry after the given seconds',
        undefined,
        unavailableRetryAfterSeconds(),
      );
    });
  }
  return { name: options.name, budget, hygiene };
}
