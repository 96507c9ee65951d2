import { type Static, Type } from 'typebox';
import { Uuid } from './common.js';

/*
 * Simulated agents on the console API (bearer admin token). Enrollment tokens made with
 * `simulation: true` tag the agents that enroll with them; the console's default views and
 * counts leave those out, and POST /api/simulation/purge deletes them and all they stored
 * (`smc admin purge-simulated`, for after-rollout runs against production). Seeding is for a
 * rehearsal's throwaway server only: `smc serve --allow-simulation-seed` turns it on.
 */
const strict = { additionalProperties: false } as const;

/** Agents one seed request may name (the rehearsal sends its fleet in chunks). */
export const MAX_SEED_AGENTS = 10_000;
/** ours: the guide's test case stores ~30 logs per client; 1,000 is far past any plan. */
export const MAX_SEED_LOGS_PER_AGENT = 1_000;

// POST /api/simulation/seed
export const SeedSimulatedRequest = Type.Object(
  {
    /**
     * Simulated agents to give a history: each is tagged simulated if it is not enrolled yet
     * (an identity reused from an earlier rehearsal); an agent enrolled for real is skipped.
     */
    agentIds: Type.Array(Uuid, { minItems: 1, maxItems: MAX_SEED_AGENTS }),
    /** Logs with seqs 1..N stored for each agent, so its own logs continue at N + 1. */
    logsPerAgent: Type.Integer({ minimum: 0, maximum: MAX_SEED_LOGS_PER_AGENT }),
  },
  strict,
);
export type SeedSimulatedRequest = Static<typeof SeedSimulatedRequest>;

export const SeedSimulatedResponse = Type.Object({
  /** Agents that got a history. */
  agents: Type.Integer(),
  /** Named agents skipped because they are not simulated. */
  skipped: Type.Integer(),
  logsStored: Type.Integer(),
  seconds: Type.Number(),
  /** pg_database_size after the load. */
  databaseBytes: Type.Integer(),
});
export type SeedSimulatedResponse = Static<typeof SeedSimulatedResponse>;

// GET /api/simulation
export const SimulationStatusResponse = Type.Object({
  simulatedAgents: Type.Integer(),
  simulatedComputers: Type.Integer(),
  simulatedLogs: Type.Integer(),
  databaseBytes: Type.Integer(),
  /** Whether this server takes POST /api/simulation/seed (a rehearsal's server). */
  seedAllowed: Type.Boolean(),
});
export type SimulationStatusResponse = Static<typeof SimulationStatusResponse>;

// POST /api/simulation/purge
export const PurgeSimulatedResponse = Type.Object({
  agents: Type.Integer(),
  computers: Type.Integer(),
  logs: Type.Integer(),
  inventories: Type.Integer(),
  taskTargets: Type.Integer(),
  cloneQuestions: Type.Integer(),
  tokens: Type.Integer(),
  seconds: Type.Number(),
});
export type PurgeSimulatedResponse = Static<typeof PurgeSimulatedResponse>;
