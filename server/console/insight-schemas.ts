import { Type } from 'typebox';
import { LogType, MAX_PAGE, Uuid } from '../../protocol/index.js';

/**
 * Schemas of the console routes an operator reads to see the fleet over time: the rate
 * series, log search, the audit trail of admin actions, trends, and the form schemas. Query
 * parameters are validated (a bad one is a 400 naming it); answers have response schemas.
 */
const strict = { additionalProperties: false } as const;
const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);

// GET /api/stats/series
export const SeriesQuery = Type.Object(
  {
    /** Only samples taken after this epoch millisecond (a poll asks for what is new). */
    since: Type.Optional(Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 })),
  },
  strict,
);

export const FleetSampleSchema = Type.Object({
  at: Type.Number(),
  windowSeconds: Type.Number(),
  replicationsPerSecond: Type.Number(),
  shedPerSecond: Type.Number(),
  p50Ms: Nullable(Type.Number()),
  p95Ms: Nullable(Type.Number()),
  p99Ms: Nullable(Type.Number()),
  queueDepth: Type.Integer(),
});

export const SeriesResponse = Type.Object({
  sampleEveryMs: Type.Integer(),
  samples: Type.Array(FleetSampleSchema),
});

// GET /api/logs
export const LogSearchQuery = Type.Object(
  {
    /** Text the log's data contains (case-insensitive). */
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    type: Type.Optional(LogType),
    agentId: Type.Optional(Uuid),
    /** How far back to look; bounds the scan (the BRIN index on time). @default 24 */
    hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 90, default: 24 })),
    order: Type.Optional(Type.Union([Type.Literal('newest'), Type.Literal('oldest')])),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 1 })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    /** Simulated agents' logs: left out by default, as on the computers list. */
    simulated: Type.Optional(Type.Union([Type.Literal('include'), Type.Literal('only')])),
  },
  strict,
);

export const LogSearchResponse = Type.Object({
  page: Type.Integer(),
  pageSize: Type.Integer(),
  /** Whether a next page exists (counting every match would scan them all). */
  more: Type.Boolean(),
  items: Type.Array(
    Type.Object({
      agentId: Type.String(),
      hostname: Type.String(),
      seq: Type.String(),
      type: Type.String(),
      time: Type.String(),
      data: Type.Object({}, { additionalProperties: true }),
    }),
  ),
});

// GET /api/audit
export const AuditQuery = Type.Object(
  {
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 1 })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  strict,
);

export const AuditResponse = Type.Object({
  total: Type.Integer(),
  page: Type.Integer(),
  pageSize: Type.Integer(),
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      at: Type.String(),
      method: Type.String(),
      route: Type.String(),
      path: Type.String(),
      status: Type.Integer(),
      remote: Type.String(),
      summary: Type.Object({}, { additionalProperties: true }),
    }),
  ),
});

// GET /api/trends
export const TrendsQuery = Type.Object(
  { days: Type.Optional(Type.Integer({ minimum: 1, maximum: 90, default: 14 })) },
  strict,
);

const DayCount = Type.Object({ day: Type.String(), count: Type.Integer() });
export const TrendsResponse = Type.Object({
  days: Type.Integer(),
  detectionsPerDay: Type.Array(DayCount),
  enrolledPerDay: Type.Array(DayCount),
  /** Samples of real computers not seen within their interval, every few minutes since start. */
  offline: Type.Array(
    Type.Object({ at: Type.Number(), offline: Type.Integer(), total: Type.Integer() }),
  ),
});

// GET /api/form-schemas
export const FormSchemasResponse = Type.Object({
  policy: Type.Object({}, { additionalProperties: true }),
  tasks: Type.Object({}, { additionalProperties: true }),
});
