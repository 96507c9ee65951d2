import { type Static, Type } from 'typebox';

/**
 * What `smc rehearse` pushes to the server it started (PUT /api/rehearsal), for the web
 * console's Rehearsal page. Bounded everywhere: the body is held in memory and redrawn every
 * 2 s. Shared here because two parts speak it: rehearsal/ writes it, server/ checks it.
 */
const strict = { additionalProperties: false } as const;
const count = Type.Number({ minimum: 0 });

/** The only report files the console may fetch: fixed names, never a path from a request. */
export const REHEARSAL_REPORT_NAMES = ['capacity.html', 'fleet.html', 'storm.html'] as const;
export const RehearsalReportName = Type.Union([
  Type.Literal('capacity.html'),
  Type.Literal('fleet.html'),
  Type.Literal('storm.html'),
]);

/** The phases of a rehearsal, in order. */
export const REHEARSAL_PHASES = [
  'setup',
  'warm-up',
  'capacity',
  'fleet',
  'storm',
  'drain',
  'done',
] as const;
export type RehearsalPhase = (typeof REHEARSAL_PHASES)[number];

export const REHEARSAL_VERDICTS = ['pass', 'marginal', 'fail', 'inconclusive'] as const;
export type RehearsalVerdictWord = (typeof REHEARSAL_VERDICTS)[number];

/** ours: 10 minutes of one-second samples is more than a rehearsal's default run (~1 min). */
export const REHEARSAL_SERIES_LIMIT = 600;

export const RehearsalSecond = Type.Object(
  {
    /** Seconds since the rehearsal started (continuous across its phases). */
    second: Type.Integer({ minimum: 0 }),
    scheduled: count,
    completed: count,
    failed: count,
    p50Ms: count,
    p99Ms: count,
  },
  strict,
);

export const RehearsalCapacityStep = Type.Object(
  {
    ratePerSecond: count,
    achievedPerSecond: count,
    p99Ms: count,
    errorRatio: Type.Number({ minimum: 0, maximum: 1 }),
    held: Type.Boolean(),
  },
  strict,
);

export const RehearsalVerdictBody = Type.Object(
  {
    verdict: Type.Union([
      Type.Literal('pass'),
      Type.Literal('marginal'),
      Type.Literal('fail'),
      Type.Literal('inconclusive'),
    ]),
    /** The highest rate that held (the bracket's lower end). */
    measuredCapacityPerSecond: count,
    /** The lowest rate that broke (the bracket's upper end); null: nothing broke. */
    capacityBrokenPerSecond: Type.Optional(Type.Union([count, Type.Null()])),
    /** Clients the server carries (the smallest of rate, sessions and storm); null: not measured. */
    clientsCarried: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
    /** Persistent sessions the server held at once during the run. */
    sessionsHeld: Type.Optional(Type.Integer({ minimum: 0 })),
    requiredRatePerSecond: count,
    /** null when nothing is required (JSON has no Infinity). */
    headroom: Type.Union([count, Type.Null()]),
    recommendedIntervalSeconds: Type.Union([count, Type.Null()]),
    fleetLostLogs: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    reasons: Type.Array(Type.String({ maxLength: 500 }), { maxItems: 20 }),
  },
  strict,
);

export const RehearsalUpdate = Type.Object(
  {
    phase: Type.Union([
      Type.Literal('setup'),
      Type.Literal('warm-up'),
      Type.Literal('capacity'),
      Type.Literal('fleet'),
      Type.Literal('storm'),
      Type.Literal('drain'),
      Type.Literal('done'),
    ]),
    clients: Type.Integer({ minimum: 1 }),
    requiredRatePerSecond: count,
    series: Type.Array(RehearsalSecond, { maxItems: REHEARSAL_SERIES_LIMIT }),
    capacitySteps: Type.Array(RehearsalCapacityStep, { maxItems: 100 }),
    verdict: Type.Optional(RehearsalVerdictBody),
    /** Reports written so far; GET /api/rehearsal/reports/<name> returns them. */
    reports: Type.Array(RehearsalReportName, { maxItems: REHEARSAL_REPORT_NAMES.length }),
  },
  strict,
);
export type RehearsalUpdate = Static<typeof RehearsalUpdate>;

export const RehearsalReportParams = Type.Object({ name: RehearsalReportName }, strict);
