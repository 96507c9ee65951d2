import { type Static, Type } from 'typebox';
import { Uuid } from './common.js';
import { MAX_EXACT_INTEGER } from './limits.js';

/*
 * The parts of the console API (port 2223, bearer admin token) that tools other than the
 * server use: the simulator makes enrollment tokens, reads stats, and audits stored logs for
 * `--verify`. Routes that only the server and its web console use keep their schemas in
 * server/console/.
 */
const strict = { additionalProperties: false } as const;

/**
 * What an enrollment token enrolls: an ordinary agent, a Mobile Device Connector or a Rogue
 * Detection Sensor. The kind is recorded with the agent at enrollment; the server trusts a
 * relayed mobile device only from an agent enrolled as `mdm-connector`, and sightings only from
 * one enrolled as `rd-sensor`, never from anything an agent reports.
 */
export const EnrollmentKind = Type.Union([
  Type.Literal('agent'),
  Type.Literal('mdm-connector'),
  Type.Literal('rd-sensor'),
]);
export type EnrollmentKind = Static<typeof EnrollmentKind>;

// POST /api/enrollment-tokens
export const CreateEnrollmentTokenRequest = Type.Object(
  {
    uses: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
    ttlSeconds: Type.Integer({ minimum: 60, maximum: 30 * 86_400 }),
    /** @default 'agent' */
    kind: Type.Optional(EnrollmentKind),
    /** Tag every agent enrolled with it as simulated (see simulation-api.ts). @default false */
    simulation: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type CreateEnrollmentTokenRequest = Static<typeof CreateEnrollmentTokenRequest>;

export const EnrollmentTokenResponse = Type.Object({
  token: Type.String(),
  uses: Type.Integer(),
  expiresAt: Type.String(),
  kind: Type.Optional(EnrollmentKind),
  simulation: Type.Optional(Type.Boolean()),
});
export type EnrollmentTokenResponse = Static<typeof EnrollmentTokenResponse>;

// POST /api/log-audit: for each agent and seq range, how many logs the server holds and the
// digest of their content (log-content.ts), so a checker compares content, not counts.
export const MAX_LOG_AUDIT_AGENTS = 20_000;
export const LogAuditRequest = Type.Object(
  {
    agents: Type.Array(
      Type.Object(
        {
          agentId: Uuid,
          /** First seq of the range. @default 1 */
          from: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_EXACT_INTEGER })),
          through: Type.Integer({ minimum: 0, maximum: MAX_EXACT_INTEGER }),
        },
        strict,
      ),
      { maxItems: MAX_LOG_AUDIT_AGENTS },
    ),
  },
  strict,
);
export type LogAuditRequest = Static<typeof LogAuditRequest>;

export const LogAuditResponse = Type.Object({
  agents: Type.Array(
    Type.Object({
      agentId: Uuid,
      from: Type.Integer(),
      through: Type.Integer(),
      /** Distinct seqs in from..through that are stored; `through - from + 1 - stored` were lost. */
      stored: Type.Integer(),
      /** XOR digest of the stored logs' content hashes in the range (log-content.ts). */
      digest: Type.String({ pattern: '^[0-9a-f]{16}$' }),
    }),
  ),
});
export type LogAuditResponse = Static<typeof LogAuditResponse>;

// GET /api/stats
export const StatsResponse = Type.Object({
  /** Computers, simulated ones left out (see simulation-api.ts). */
  computers: Type.Integer(),
  /** Computers enrolled with a simulation token. */
  simulatedComputers: Type.Integer(),
  /** Computers (not simulated) that replicated within the current interval (plus its jitter). */
  seenWithinInterval: Type.Integer(),
  /** Computers (not simulated) whose protection status is warning or critical. */
  withProblems: Type.Integer(),
  /** Replications answered per second, averaged over the last 60 s. */
  replicationsPerSecond: Type.Number(),
  totals: Type.Object({
    replications: Type.Integer(),
    logsStored: Type.Integer(),
    rejected: Type.Integer(),
    shed: Type.Integer(),
  }),
  /** Replications waiting for the next group commit. */
  queueDepth: Type.Integer(),
  interval: Type.Object({
    /** The interval the server was configured with. */
    baseSeconds: Type.Integer(),
    /** What `next.intervalSeconds` says now (adaptive: stretched near capacity). */
    currentSeconds: Type.Integer(),
    /** currentSeconds / baseSeconds. */
    stretch: Type.Number(),
  }),
  cloneQuestionsOpen: Type.Integer(),
});
export type StatsResponse = Static<typeof StatsResponse>;

/** What `smc serve --ready-file` writes once both listeners are up. */
export const ReadyFile = Type.Object({
  agentUrl: Type.String(),
  consoleUrl: Type.String(),
  caFile: Type.String(),
  adminTokenFile: Type.String(),
  pid: Type.Integer(),
  /** The push broker for wake-up calls (mqtts://host:port); absent with `--push off`. */
  pushUrl: Type.Optional(Type.String()),
  /** With `--workers N` (N > 1): the agent-plane processes' pids (`pid` is the primary's). */
  workers: Type.Optional(Type.Array(Type.Integer())),
  /** With `--with-mdm`: the connector running inside the server process. */
  mdm: Type.Optional(
    Type.Object({
      enrollUrl: Type.String(),
      deviceUrl: Type.String(),
      caFile: Type.String(),
      adminTokenFile: Type.String(),
      relayAgentId: Type.String(),
    }),
  ),
});
export type ReadyFile = Static<typeof ReadyFile>;
