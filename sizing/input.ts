import { DEFAULT_LOGS_PER_CLIENT_PER_DAY } from './database-growth.js';
import { SizingInputError } from './errors.js';
import {
  HIGH_AVAILABILITY_DEFAULT_ABOVE_CLIENTS,
  MAX_CLIENTS,
  MAX_INTERVAL_SECONDS,
  MAX_KIB_PER_SESSION,
  MAX_LOGS_PER_CLIENT_PER_DAY,
  MAX_MOBILE_DEVICES,
  MAX_OFFICES,
  MAX_US_PER_REPLICATION,
  MIN_INTERVAL_SECONDS,
} from './limits.js';
import {
  MEASURED_SERVER_KIB_PER_SESSION,
  MEASURED_SERVER_US_PER_REPLICATION,
} from './server-nodes.js';

export const PLATFORMS = ['azure', 'vms'] as const;
/** One PostgreSQL (Flexible Server, or the hosts' own), or Citus (Azure Cosmos DB for PostgreSQL). */
export const DATABASE_ENGINES = ['postgresql', 'citus'] as const;
export type DatabaseEngineChoice = (typeof DATABASE_ENGINES)[number];
export type Platform = (typeof PLATFORMS)[number];

export const PHASES = ['deployment', 'steady'] as const;
export type Phase = (typeof PHASES)[number];

/** What a caller may give; everything but `clients` has a default. */
export interface SizingInput {
  /** Desktop and server agents. Integer from 1 to 10,000,000. */
  readonly clients: number;
  /** Phones and tablets behind the Mobile Device Connector. @default 0 */
  readonly mobileDevices?: number;
  /** Branch offices that reach the server through an HTTP proxy. @default officeClients' length, else 0 */
  readonly offices?: number;
  /**
   * Clients in each branch office, in office order; the rest are at the main site. Without it
   * the clients are taken as spread evenly over the main site and the offices.
   * @default none (even spread)
   */
  readonly officeClients?: readonly number[];
  /** Where it runs. @default 'azure' */
  readonly platform?: Platform;
  /** Server pair and replicated database. @default true above 50,000 clients, else false */
  readonly highAvailability?: boolean;
  /** Which of the guide's intervals applies. @default 'steady' */
  readonly phase?: Phase;
  /** Replaces the guide's interval for the chosen phase. @default the guide's */
  readonly replicationIntervalSeconds?: number;
  /** Logs a computer sends per day in steady use; sizes the database. @default 20 (ours) */
  readonly logsPerClientPerDay?: number;
  /**
   * 'citus' shards the logs over a Cosmos DB for PostgreSQL cluster (Azure only): the database
   * may then outgrow one Flexible Server. @default 'postgresql'
   */
  readonly databaseEngine?: DatabaseEngineChoice;
  /**
   * Server CPU per replication in microseconds (a rehearsal prints yours); sizes server nodes
   * by rate. @default 218 (measured on our machines)
   */
  readonly serverUsPerReplication?: number;
  /**
   * Server memory per held agent session in KiB (a rehearsal prints yours); sizes server nodes
   * by sessions. @default 74 (measured on our machines)
   */
  readonly serverKiBPerSession?: number;
}

/** The input with every default filled in; what a plan records. */
export interface NormalizedSizingInput {
  readonly clients: number;
  readonly mobileDevices: number;
  readonly offices: number;
  /** Clients per office as given; null when the plan assumed an even spread. */
  readonly officeClients: readonly number[] | null;
  readonly platform: Platform;
  readonly highAvailability: boolean;
  readonly phase: Phase;
  readonly replicationIntervalSeconds: number | null;
  readonly logsPerClientPerDay: number;
  readonly databaseEngine: DatabaseEngineChoice;
  readonly serverUsPerReplication: number;
  readonly serverKiBPerSession: number;
}

const KNOWN_FIELDS = new Set([
  'clients',
  'mobileDevices',
  'offices',
  'officeClients',
  'platform',
  'highAvailability',
  'phase',
  'replicationIntervalSeconds',
  'logsPerClientPerDay',
  'databaseEngine',
  'serverUsPerReplication',
  'serverKiBPerSession',
]);

/**
 * Checks untrusted input (CLI flags, construct props, JSON) and fills in defaults.
 * Throws SizingInputError naming the first field that breaks a rule.
 */
export function normalizeSizingInput(raw: unknown): NormalizedSizingInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SizingInputError('input', 'must be an object', raw);
  }
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!KNOWN_FIELDS.has(key)) {
      throw new SizingInputError(
        key,
        `is not a sizing input (known: ${[...KNOWN_FIELDS].join(', ')})`,
        input[key],
      );
    }
  }

  const clients = integerIn(input, 'clients', 1, MAX_CLIENTS, undefined);
  const mobileDevices = integerIn(input, 'mobileDevices', 0, MAX_MOBILE_DEVICES, 0);
  const officeClients = officeClientsIn(input, clients);
  const offices = integerIn(input, 'offices', 0, MAX_OFFICES, officeClients?.length ?? 0);
  if (offices > clients) {
    throw new SizingInputError('offices', `must not exceed clients (${clients})`, offices);
  }
  if (officeClients !== null && offices !== officeClients.length) {
    throw new SizingInputError(
      'offices',
      `must equal the number of officeClients entries (${officeClients.length}) when both are given`,
      offices,
    );
  }
  const platform = oneOf(input, 'platform', PLATFORMS, 'azure');
  const phase = oneOf(input, 'phase', PHASES, 'steady');
  const highAvailability = booleanOr(
    input,
    'highAvailability',
    clients > HIGH_AVAILABILITY_DEFAULT_ABOVE_CLIENTS,
  );
  const replicationIntervalSeconds =
    input.replicationIntervalSeconds === undefined
      ? null
      : integerIn(
          input,
          'replicationIntervalSeconds',
          MIN_INTERVAL_SECONDS,
          MAX_INTERVAL_SECONDS,
          undefined,
          ' seconds',
        );

  const logsPerClientPerDay = numberIn(
    input,
    'logsPerClientPerDay',
    0,
    MAX_LOGS_PER_CLIENT_PER_DAY,
    DEFAULT_LOGS_PER_CLIENT_PER_DAY,
  );
  const databaseEngine = oneOf(input, 'databaseEngine', DATABASE_ENGINES, 'postgresql');
  if (databaseEngine === 'citus' && platform !== 'azure') {
    throw new SizingInputError(
      'databaseEngine',
      `must be 'postgresql' on ${platform}: Citus is offered only as Azure Cosmos DB for PostgreSQL (platform 'azure'); smc-kit installs no Citus packages on hosts`,
      databaseEngine,
    );
  }
  const serverUsPerReplication = numberIn(
    input,
    'serverUsPerReplication',
    1,
    MAX_US_PER_REPLICATION,
    MEASURED_SERVER_US_PER_REPLICATION,
  );
  const serverKiBPerSession = numberIn(
    input,
    'serverKiBPerSession',
    1,
    MAX_KIB_PER_SESSION,
    MEASURED_SERVER_KIB_PER_SESSION,
  );

  return {
    clients,
    mobileDevices,
    offices,
    officeClients,
    platform,
    highAvailability,
    phase,
    replicationIntervalSeconds,
    logsPerClientPerDay,
    databaseEngine,
    serverUsPerReplication,
    serverKiBPerSession,
  };
}

/** Per-office head-counts: whole numbers from 1, together at most the deployment's clients. */
function officeClientsIn(input: Record<string, unknown>, clients: number): number[] | null {
  const value = input.officeClients;
  if (value === undefined) return null;
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_OFFICES) {
    throw new SizingInputError(
      'officeClients',
      `must be a list of 1 to ${MAX_OFFICES.toLocaleString('en-US')} head-counts`,
      value,
    );
  }
  const counts = value.map((count, i) => {
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > clients) {
      throw new SizingInputError(
        `officeClients[${i}]`,
        `must be an integer from 1 to ${clients.toLocaleString('en-US')} (the clients)`,
        count,
      );
    }
    return count;
  });
  const total = counts.reduce((a, b) => a + b, 0);
  if (total > clients) {
    throw new SizingInputError(
      'officeClients',
      `add up to ${total.toLocaleString('en-US')}, more than the ${clients.toLocaleString('en-US')} clients (offices are part of the fleet)`,
      value,
    );
  }
  return counts;
}

function integerIn(
  input: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
  fallback: number | undefined,
  unit = '',
): number {
  const value = input[field];
  if (value === undefined && fallback !== undefined) return fallback;
  const rule = `must be an integer from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}${unit}`;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SizingInputError(field, rule, value);
  }
  return value;
}

/** A finite number in [min, max] (fractions allowed: rates and measured costs). */
function numberIn(
  input: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
  fallback: number,
): number {
  const value = input[field];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new SizingInputError(
      field,
      `must be a number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}`,
      value,
    );
  }
  return value;
}

function oneOf<T extends string>(
  input: Record<string, unknown>,
  field: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = input[field];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new SizingInputError(field, `must be one of ${allowed.join(', ')}`, value);
  }
  return value as T;
}

function booleanOr(input: Record<string, unknown>, field: string, fallback: boolean): boolean {
  const value = input[field];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new SizingInputError(field, 'must be true or false', value);
  return value;
}
