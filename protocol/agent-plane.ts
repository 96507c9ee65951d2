import { type Static, Type } from 'typebox';
import { FreeObject, Sha256Hex, ShortText, UtcTime, Uuid } from './common.js';
import {
  MAX_CSR_PEM,
  MAX_DETAIL_TEXT,
  MAX_EXACT_INTEGER,
  MAX_HOSTNAME,
  MAX_INT4,
  MAX_LOGS_PER_REPLICATION,
  MAX_SOFTWARE_ITEMS,
  MAX_TASK_RESULTS_PER_REPLICATION,
  MAX_TASKS_PER_RESPONSE,
} from './limits.js';

/*
 * Wire protocol v1, agent plane (DESIGN.md "Wire protocol v1"). Unknown fields are rejected
 * everywhere (additionalProperties: false) so a typo never passes silently.
 */
const strict = { additionalProperties: false } as const;

// ---- POST /v1/enroll (server-auth TLS; no client certificate yet) ----

export const EnrollRequest = Type.Object(
  {
    /** An enrollment token made on the console API. */
    token: Type.String({ minLength: 8, maxLength: 128 }),
    /** PKCS#10 CSR in PEM; its key becomes the agent's identity. */
    csr: Type.String({ minLength: 64, maxLength: MAX_CSR_PEM }),
  },
  strict,
);
export type EnrollRequest = Static<typeof EnrollRequest>;

export const EnrollResponse = Type.Object(
  {
    /** Assigned by the server; the certificate's subject CN. */
    agentId: Uuid,
    /** The agent's certificate, PEM. */
    certificate: Type.String(),
    /** The agent CA, PEM: verifies the server on later connections. */
    caCertificate: Type.String(),
    /** What the token enrolled: an agent, a Mobile Device Connector or a Rogue Detection Sensor (recorded by the server). */
    kind: Type.Optional(
      Type.Union([Type.Literal('agent'), Type.Literal('mdm-connector'), Type.Literal('rd-sensor')]),
    ),
  },
  strict,
);
export type EnrollResponse = Static<typeof EnrollResponse>;

// ---- POST /v1/replicate (mutual TLS) ----

export const OsFamily = Type.Union([
  Type.Literal('windows'),
  Type.Literal('macos'),
  Type.Literal('linux'),
]);
export type OsFamily = Static<typeof OsFamily>;

export const LogType = Type.Union([
  Type.Literal('detection'),
  Type.Literal('firewall'),
  Type.Literal('hips'),
  Type.Literal('scan'),
  Type.Literal('audit'),
  Type.Literal('event'),
]);
export type LogType = Static<typeof LogType>;
export const LOG_TYPES: readonly LogType[] = [
  'detection',
  'firewall',
  'hips',
  'scan',
  'audit',
  'event',
];

export const ProtectionStatus = Type.Union([
  Type.Literal('ok'),
  Type.Literal('warning'),
  Type.Literal('critical'),
]);
export type ProtectionStatus = Static<typeof ProtectionStatus>;

export const AgentInfo = Type.Object(
  {
    id: Uuid,
    /** Hardware fingerprint: a different one for the same id raises a clone question. */
    fingerprint: Sha256Hex,
    version: ShortText,
    hostname: Type.String({ minLength: 1, maxLength: MAX_HOSTNAME }),
    os: Type.Object({ family: OsFamily, name: ShortText, version: ShortText }, strict),
  },
  strict,
);

export const AgentStatus = Type.Object(
  {
    protection: ProtectionStatus,
    modulesVersion: ShortText,
    lastUpdate: UtcTime,
    uptimeSeconds: Type.Integer({ minimum: 0, maximum: MAX_EXACT_INTEGER }),
  },
  strict,
);

export const SoftwareItem = Type.Object(
  { name: ShortText, version: ShortText, vendor: Type.Optional(ShortText) },
  strict,
);

export const Inventory = Type.Object(
  {
    hash: Sha256Hex,
    /** Sent only when the hash changed since the last acknowledged inventory. */
    hardware: Type.Optional(FreeObject),
    software: Type.Optional(Type.Array(SoftwareItem, { maxItems: MAX_SOFTWARE_ITEMS })),
  },
  strict,
);

export const LogEntry = Type.Object(
  {
    /** Per agent, strictly increasing, from 1 (a `bigint`, read back exactly: at most 2^53 - 1). */
    seq: Type.Integer({ minimum: 1, maximum: MAX_EXACT_INTEGER }),
    type: LogType,
    time: UtcTime,
    /** At most 16 KiB serialised; checked by the server after schema validation. */
    data: FreeObject,
  },
  strict,
);
export type LogEntry = Static<typeof LogEntry>;

export const TaskState = Type.Union([Type.Literal('done'), Type.Literal('failed')]);

export const TaskResult = Type.Object(
  {
    taskId: Uuid,
    state: TaskState,
    time: UtcTime,
    detail: Type.Optional(Type.String({ maxLength: MAX_DETAIL_TEXT })),
  },
  strict,
);
export type TaskResult = Static<typeof TaskResult>;

export const ReplicateRequest = Type.Object(
  {
    agent: AgentInfo,
    status: AgentStatus,
    inventory: Type.Optional(Inventory),
    logs: Type.Array(LogEntry, { maxItems: MAX_LOGS_PER_REPLICATION }),
    taskResults: Type.Array(TaskResult, { maxItems: MAX_TASK_RESULTS_PER_REPLICATION }),
    /** The policy version the agent applies; 0 = none yet (an `integer` column: 2^31 - 1). */
    policyVersion: Type.Integer({ minimum: 0, maximum: MAX_INT4 }),
  },
  strict,
);
export type ReplicateRequest = Static<typeof ReplicateRequest>;

export const TaskType = Type.Union([
  Type.Literal('on-demand-scan'),
  Type.Literal('modules-update'),
  Type.Literal('software-install'),
  Type.Literal('run-command'),
  Type.Literal('inventory-refresh'),
  /** The component-upgrade task: move the agent to `params.version` (UpgradeAgentParams). */
  Type.Literal('upgrade-agent'),
]);
export type TaskType = Static<typeof TaskType>;
export const TASK_TYPES: readonly TaskType[] = [
  'on-demand-scan',
  'modules-update',
  'software-install',
  'run-command',
  'inventory-refresh',
  'upgrade-agent',
];

/** Task types that need no params (what a probe or a quick console click may create). */
export const PARAMETERLESS_TASK_TYPES: readonly TaskType[] = TASK_TYPES.filter(
  (type) => type !== 'upgrade-agent',
);

/**
 * An agent version as agents report it (`agent.version`) and an upgrade task names it:
 * dotted numbers with an optional pre-release, e.g. `7.3.2064` or `1.2.0-rc.1`.
 */
export const AGENT_VERSION_PATTERN = '^[0-9]+(\\.[0-9]+){1,3}(-[0-9A-Za-z.-]{1,32})?$';

/** `params` of an `upgrade-agent` task. */
export const UpgradeAgentParams = Type.Object(
  { version: Type.String({ pattern: AGENT_VERSION_PATTERN, maxLength: 64 }) },
  strict,
);
export type UpgradeAgentParams = Static<typeof UpgradeAgentParams>;

export const AgentTask = Type.Object({ id: Uuid, type: TaskType, params: FreeObject }, strict);
export type AgentTask = Static<typeof AgentTask>;

export const Policy = Type.Object(
  { version: Type.Integer({ minimum: 1, maximum: MAX_INT4 }), settings: FreeObject },
  strict,
);
export type Policy = Static<typeof Policy>;

export const ReplicateResponse = Type.Object(
  {
    /** Highest seq such that 1..seq are durably stored (0: none yet). */
    ack: Type.Object(
      { logsThrough: Type.Integer({ minimum: 0, maximum: MAX_EXACT_INTEGER }) },
      strict,
    ),
    tasks: Type.Array(AgentTask, { maxItems: MAX_TASKS_PER_RESPONSE }),
    /** Only when newer than the request's policyVersion. */
    policy: Type.Union([Policy, Type.Null()]),
    /** When to come back: interval plus a random 0..jitter seconds. */
    next: Type.Object(
      {
        intervalSeconds: Type.Integer({ minimum: 1 }),
        jitterSeconds: Type.Integer({ minimum: 0 }),
      },
      strict,
    ),
    /** The same agent id replicating with another fingerprint, awaiting an admin's answer. */
    clone: Type.Optional(
      Type.Object(
        {
          reason: Type.String(),
          questionId: Uuid,
          /** `wait`: keep replicating as is; `re-enroll`: an admin chose a new computer for this hardware. */
          action: Type.Union([Type.Literal('wait'), Type.Literal('re-enroll')]),
        },
        strict,
      ),
    ),
    /**
     * Logs this agent sent under seqs the server already holds with other content (an identity
     * reused, a VM snapshot restored: its numbering restarted). Those logs are not stored and
     * not acknowledged (`ack.logsThrough` stops before the first of them): the agent numbers
     * every log above the ack again from `nextSeq` and sends them again.
     */
    resync: Type.Optional(
      Type.Object(
        {
          nextSeq: Type.Integer({ minimum: 1, maximum: MAX_EXACT_INTEGER }),
          /** The first seq whose stored content differs from what was sent. */
          conflictSeq: Type.Integer({ minimum: 1, maximum: MAX_EXACT_INTEGER }),
        },
        strict,
      ),
    ),
  },
  strict,
);
export type ReplicateResponse = Static<typeof ReplicateResponse>;
