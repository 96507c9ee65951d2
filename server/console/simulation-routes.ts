import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import {
  PurgeSimulatedResponse,
  SeedSimulatedRequest,
  SeedSimulatedResponse,
  SimulationStatusResponse,
} from '../../protocol/index.js';
import { ApiError } from '../http/errors.js';
import { purgeSimulatedAgents, simulationStatus } from '../simulation/purge.js';
import { seedSimulatedAgents } from '../simulation/seed.js';

/**
 * Simulated agents on the console API (behind the bearer check like the rest of it):
 * status and purge on every server; seeding a history only where `smc serve` was started
 * with --allow-simulation-seed (the throwaway server of `smc rehearse`).
 */
export function registerSimulationRoutes(
  app: FastifyInstance,
  deps: { pool: pg.Pool; allowSeed: boolean },
): void {
  app.get(
    '/api/simulation',
    { schema: { response: { 200: SimulationStatusResponse } } },
    async () => simulationStatus(deps.pool, deps.allowSeed),
  );

  app.post(
    '/api/simulation/purge',
    { schema: { response: { 200: PurgeSimulatedResponse } } },
    async () => purgeSimulatedAgents(deps.pool),
  );

  app.post<{ Body: SeedSimulatedRequest }>(
    '/api/simulation/seed',
    {
      schema: { body: SeedSimulatedRequest, response: { 200: SeedSimulatedResponse } },
      // 10,000 UUIDs as JSON are ~400 KB.
      bodyLimit: 1024 * 1024,
    },
    async (request) => {
      if (!deps.allowSeed) {
        throw new ApiError(
          'SMC_FORBIDDEN',
          'seeding is off on this server: only a rehearsal server (smc serve --allow-simulation-seed) takes it',
        );
      }
      return seedSimulatedAgents(deps.pool, request.body);
    },
  );
}
