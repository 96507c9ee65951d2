import { DATABASE_DISK_HEADROOM, MEASURED_BYTES_PER_COMPUTER } from './database-growth.js';
import { SizingInputError } from './errors.js';
import type { AzureCitusChoice, SizingPlan } from './plan-types.js';

/**
 * The shape of an Azure Cosmos DB for PostgreSQL (Citus) cluster for a plan: the route past one
 * PostgreSQL for the largest tiers. Logs are sharded by agent id over the workers
 * (server/store/citus-distribution.ts), so the workers share the logs' disk and write load; the
 * coordinator routes every statement and keeps only the reference table (tasks) and metadata.
 */

/** Azure: a multi-node cluster has 2 to 20 workers (more only by support request). */
export const CITUS_MIN_WORKERS = 2;
export const CITUS_MAX_WORKERS = 20;
/**
 * ours, never measured (a cluster cannot run here): one worker per 250,000 clients, so at the
 * plan's default log volume a worker holds ~230 GiB of logs, what one Flexible Server of the
 * guide's top tier holds comfortably. A starting point: resize after a pilot.
 */
export const CITUS_CLIENTS_PER_WORKER = 250_000;
/** Azure: vCores a worker / the coordinator may have (Cosmos DB for PostgreSQL compute and storage). */
export const CITUS_WORKER_VCORES = [4, 8, 16, 32, 64, 96, 104] as const;
export const CITUS_COORDINATOR_VCORES = [4, 8, 16, 32, 64, 96] as const;
/** Azure: storage sizes in GiB a worker / the coordinator may have. */
export const CITUS_WORKER_STORAGE_GIB = [512, 1024, 2048, 4096, 8192, 16384, 32768] as const;
export const CITUS_COORDINATOR_STORAGE_GIB = [
  128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768,
] as const;

export interface CitusNodeShape {
  readonly vCores: number;
  readonly storageGiB: number;
}

export interface CitusClusterPlan {
  readonly coordinator: CitusNodeShape;
  readonly workers: CitusNodeShape & { readonly count: number };
  /** A standby per node (Azure's ha_enabled) when the plan is HA. */
  readonly highAvailability: boolean;
  readonly assumption: string;
}

function smallestAtLeast(allowed: readonly number[], wanted: number): number | undefined {
  return allowed.find((value) => value >= wanted);
}

/** The smallest allowed size that fits, or the largest there is (a bigger one does not exist). */
function fitOrLargest(allowed: readonly number[], wanted: number): number {
  return smallestAtLeast(allowed, wanted) ?? Math.max(...allowed);
}

/**
 * The plan's cluster: the one it chose (`databaseEngine: 'citus'`), else the cluster the same
 * rule gives for a plan made for one PostgreSQL.
 */
export function citusClusterFor(plan: SizingPlan): CitusClusterPlan {
  const database = plan.machines.find((m) => m.role === 'database');
  if (database?.azure?.kind === 'cosmosdb-postgresql-cluster') return database.azure;
  return citusClusterShape({
    clients: plan.input.clients,
    databaseCores: database?.cores ?? 4,
    databaseDiskGiB: plan.databaseGrowth.diskGiB,
    highAvailability: plan.placement.highAvailability,
    logsPerClientPerDay: plan.input.logsPerClientPerDay,
  });
}

/** What the cluster rule reads of a plan. */
export interface CitusSizingBasis {
  readonly clients: number;
  /** The cores one PostgreSQL of the tier would have. */
  readonly databaseCores: number;
  /** The growth model's database disk (all logs). */
  readonly databaseDiskGiB: number;
  readonly highAvailability: boolean;
  readonly logsPerClientPerDay: number;
}

/** The cluster as the plan records it (`machines[database].azure`). */
export function citusChoiceFor(basis: CitusSizingBasis): AzureCitusChoice {
  return { kind: 'cosmosdb-postgresql-cluster', ...citusClusterShape(basis) };
}

function citusClusterShape(basis: CitusSizingBasis): CitusClusterPlan {
  const { clients } = basis;
  const planCores = basis.databaseCores;
  const count = Math.max(CITUS_MIN_WORKERS, Math.ceil(clients / CITUS_CLIENTS_PER_WORKER));
  if (count > CITUS_MAX_WORKERS) {
    throw new SizingInputError(
      'clients',
      `needs ${count} Citus workers at ${CITUS_CLIENTS_PER_WORKER.toLocaleString('en-US')} clients each, more than the ${CITUS_MAX_WORKERS} a Cosmos DB for PostgreSQL cluster has: split the deployment`,
      clients,
    );
  }
  // ours: the plan's single-server cores spread over the workers, doubled for the distributed
  // plans' overhead (each statement fans out through the coordinator), at least Azure's smallest.
  const workerVCores = fitOrLargest(CITUS_WORKER_VCORES, Math.ceil((planCores * 2) / count));
  // ours: every statement passes the coordinator, so it keeps the single server's cores.
  const coordinatorVCores = fitOrLargest(CITUS_COORDINATOR_VCORES, planCores);
  const perWorkerGiB = Math.ceil(basis.databaseDiskGiB / count);
  const workerStorage = smallestAtLeast(CITUS_WORKER_STORAGE_GIB, perWorkerGiB);
  if (workerStorage === undefined) {
    throw new SizingInputError(
      'logsPerClientPerDay',
      `makes each of ${count} Citus workers hold ${perWorkerGiB.toLocaleString('en-US')} GiB, more than a worker's largest disk (${Math.max(...CITUS_WORKER_STORAGE_GIB)} GiB)`,
      basis.logsPerClientPerDay,
    );
  }
  // The coordinator holds no logs: metadata, the tasks reference table, computers' rows at most.
  const coordinatorGiB = Math.ceil(
    (clients * MEASURED_BYTES_PER_COMPUTER * DATABASE_DISK_HEADROOM) / 2 ** 30,
  );
  const coordinatorStorage = fitOrLargest(CITUS_COORDINATOR_STORAGE_GIB, coordinatorGiB);
  return {
    coordinator: { vCores: coordinatorVCores, storageGiB: coordinatorStorage },
    workers: { count, vCores: workerVCores, storageGiB: workerStorage },
    highAvailability: basis.highAvailability,
    assumption: `Citus cluster (ours): ${count} workers = max(${CITUS_MIN_WORKERS}, ceil(${clients.toLocaleString('en-US')} clients / ${CITUS_CLIENTS_PER_WORKER.toLocaleString('en-US')})), each ${workerVCores} vCores (2x the plan's ${planCores} database cores over the workers) and ${workerStorage} GiB (the plan's ${basis.databaseDiskGiB} GiB database disk over the workers, logs sharded by agent id); coordinator ${coordinatorVCores} vCores (the plan's) and ${coordinatorStorage} GiB (no logs)${basis.highAvailability ? '; a standby per node (HA)' : ''}`,
  };
}
