import { Annotations } from 'cdktf';
import type { Construct } from 'constructs';
import type { Platform, SecretHandle } from '../provider/platform.js';
import { PropsError } from '../provider/props-error.js';
import { citusClusterFor, type SizingPlan } from '../sizing/index.js';
import type { DatabaseProps } from './database.js';

/** Cosmos DB for PostgreSQL: its `sql_version` choices that smc-kit's migrations support. */
const CITUS_VERSIONS = ['13', '14', '15', '16'];
/** Below this, one Flexible Server carries the tier (the guide's top tier starts above it). */
const CITUS_WORTH_IT_ABOVE_CLIENTS = 100_000;

/**
 * Refuses, by prop, what engine 'citus' cannot honour: a platform without managed Citus, and the
 * Flexible Server settings a Cosmos DB for PostgreSQL cluster has no place for.
 */
export function validateCitusProps(props: DatabaseProps): void {
  const { platform } = props;
  if (!platform.managedCitus) {
    throw new PropsError(
      'database.engine',
      `must be 'postgresql' on ${platform.kind}: Citus is offered only as Azure Cosmos DB for PostgreSQL (platform 'azure'); smc-kit installs no Citus packages on hosts`,
      'citus',
    );
  }
  if (props.plan.placement.database !== 'managed') {
    throw new PropsError(
      'database.engine',
      `'citus' needs a managed database (plan.placement.database is '${props.plan.placement.database}')`,
      'citus',
    );
  }
  if (props.databaseName !== undefined && props.databaseName !== 'citus') {
    throw new PropsError(
      'database.databaseName',
      "must be 'citus' (or unset) with engine 'citus': a Cosmos DB for PostgreSQL cluster has one database and login, both named citus",
      props.databaseName,
    );
  }
  if (props.version !== undefined && !CITUS_VERSIONS.includes(props.version)) {
    throw new PropsError(
      'database.version',
      `must be one of ${CITUS_VERSIONS.join(', ')} with engine 'citus'`,
      props.version,
    );
  }
  const flexibleOnly: readonly (keyof DatabaseProps)[] = [
    'skuName',
    'geoRedundantBackup',
    'backupRetentionDays',
  ];
  for (const name of flexibleOnly) {
    if (props[name] !== undefined) {
      throw new PropsError(
        `database.${name}`,
        "applies to Flexible Server only: with engine 'citus' the cluster is sized from the plan and keeps Azure's own backups (35 days)",
        props[name],
      );
    }
  }
}

/**
 * The Citus cluster for the plan, on a platform that offers it; returns the coordinator's name.
 * The sizing assumption and what this cannot prove here go out as synth warnings.
 */
export function citusDatabase(
  scope: Construct,
  id: string,
  options: {
    readonly platform: Platform;
    readonly plan: SizingPlan;
    readonly props: DatabaseProps;
    readonly password: SecretHandle;
  },
): string {
  const { platform, plan } = options;
  const cluster = citusClusterFor(plan);
  if (!platform.managedCitus) throw new Error('validateCitusProps first');
  const handle = platform.managedCitus(scope, id, {
    name: 'citus',
    coordinator: cluster.coordinator,
    workers: cluster.workers,
    highAvailability: cluster.highAvailability,
    version: options.props.version ?? '16',
    administratorPassword: options.password,
  });
  Annotations.of(scope).addWarning(
    `${cluster.assumption}. Synthesized and policy-checked only: no Citus cluster runs in smc-kit's tests.`,
  );
  if (plan.input.clients <= CITUS_WORTH_IT_ABOVE_CLIENTS) {
    Annotations.of(scope).addWarning(
      `engine 'citus' for ${plan.input.clients.toLocaleString('en-US')} clients: one Flexible Server carries up to ${CITUS_WORTH_IT_ABOVE_CLIENTS.toLocaleString('en-US')}; the cluster costs ${cluster.workers.count + 1} nodes${cluster.highAvailability ? ' and their standbys' : ''}`,
    );
  }
  return handle.host;
}
