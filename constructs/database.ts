import { Construct } from 'constructs';
import { type CloudConfig, mergeCloudConfigs } from '../provider/cloud-init.js';
import type { MachineHandle, Platform, SecretFile, SecretHandle } from '../provider/platform.js';
import { PropsError } from '../provider/props-error.js';
import { generatedPassword } from '../provider/secrets.js';
import { AZURE_POSTGRES_SKUS, type DatabasePlacement, type SizingPlan } from '../sizing/index.js';
import {
  POSTGRES_PASSWORD_FILE,
  REPLICATION_PASSWORD_FILE,
  selfHostedPostgresCloudConfig,
} from './cloud-init/postgres.js';
import { planMachine } from './plan-machines.js';
import { managedSettings, selfHostedSettings } from './postgres-tuning.js';

export interface DatabaseProps {
  readonly platform: Platform;
  readonly plan: SizingPlan;
  /** Networks allowed to log in to a self-hosted database (the server's and MDM's). */
  readonly clientCidrs: readonly string[];
  /** Networks of the database hosts themselves (the standby's replication connection). @default [] */
  readonly databaseCidrs?: readonly string[];
  /** PostgreSQL major version. @default '16' */
  readonly version?: string;
  /** Days of backups kept (Azure allows 7 to 35). @default 14 */
  readonly backupRetentionDays?: number;
  /** Managed only: copy backups to the paired region. @default true */
  readonly geoRedundantBackup?: boolean;
  /** Managed only: replaces the plan's Flexible Server SKU. @default the plan's */
  readonly skuName?: string;
  /** Database and login name. @default 'smc' */
  readonly databaseName?: string;
}

/**
 * PostgreSQL where the plan puts it: a Flexible Server (managed), beside the server on its
 * host (`server-host`: this construct then only contributes configuration to that host), or
 * on hosts of its own (`dedicated-host`, with a streaming standby for HA). TLS is required
 * for every remote login; backups are on with the retention in props.
 */
export class Database extends Construct {
  readonly placement: DatabasePlacement;
  readonly user: string;
  readonly databaseName: string;
  readonly password: SecretHandle;
  /** Host name or address clients connect to; `null` for `server-host` (the server's own address). */
  readonly host: string | null;
  /** For `server-host`: what the server host must also run. */
  readonly serverHostCloudConfig: CloudConfig | null;
  readonly serverHostSecretFiles: readonly SecretFile[];
  readonly machines: readonly MachineHandle[];
  private readonly platform: Platform;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const { platform, plan } = props;
    this.platform = platform;
    this.placement = plan.placement.database;
    this.databaseName = props.databaseName ?? 'smc';
    if (!/^[a-z][a-z0-9_]{0,30}$/.test(this.databaseName)) {
      throw new PropsError(
        'database.databaseName',
        'must be a lower-case identifier (letters, digits, _)',
        this.databaseName,
      );
    }
    this.user = this.databaseName;
    const version = props.version ?? '16';
    if (!['13', '14', '15', '16', '17'].includes(version)) {
      throw new PropsError(
        'database.version',
        'must be a PostgreSQL major version from 13 to 17',
        version,
      );
    }
    const retention = props.backupRetentionDays ?? 14;
    if (!Number.isInteger(retention) || retention < 7 || retention > 35) {
      throw new PropsError(
        'database.backupRetentionDays',
        'must be an integer from 7 to 35',
        retention,
      );
    }
    const passwordValue = generatedPassword(this, 'Password');
    this.password = platform.secret(this, 'PasswordSecret', {
      name: 'database-password',
      value: passwordValue,
      contentType: 'text/plain',
    });

    if (this.placement === 'managed') {
      const machine = planMachine(plan, 'database');
      const choice =
        machine.azure?.kind === 'postgresql-flexible-server' ? machine.azure : undefined;
      if (!choice)
        throw new PropsError(
          'plan.machines.database.azure',
          'must carry a Flexible Server choice for a managed database',
        );
      const skuName = props.skuName ?? choice.skuName;
      const sku = AZURE_POSTGRES_SKUS.find((s) => s.name === skuName);
      if (!sku) {
        throw new PropsError(
          'database.skuName',
          `must be one of ${AZURE_POSTGRES_SKUS.map((s) => s.name).join(', ')}`,
          skuName,
        );
      }
      if (plan.placement.highAvailability && sku.tier === 'Burstable') {
        throw new PropsError(
          'database.skuName',
          'must not be Burstable with high availability: Azure offers no HA on Burstable SKUs',
          skuName,
        );
      }
      if (!platform.supportsManagedPostgres) {
        throw new PropsError(
          'plan.placement.database',
          `must not be 'managed' on ${platform.kind}`,
          'managed',
        );
      }
      const endpoint = platform.managedPostgres(this, 'Managed', {
        name: 'pg',
        skuName,
        storageGiB: choice.storageGiB,
        highAvailability: plan.placement.highAvailability,
        version,
        backupRetentionDays: retention,
        geoRedundantBackup: props.geoRedundantBackup ?? true,
        administratorLogin: this.user,
        administratorPassword: this.password,
        databaseName: this.databaseName,
        settings: managedSettings(),
      });
      this.host = endpoint.host;
      this.serverHostCloudConfig = null;
      this.serverHostSecretFiles = [];
      this.machines = [];
      return;
    }

    const common = {
      version,
      databaseName: this.databaseName,
      user: this.user,
      backupRetentionDays: retention,
    };
    const passwordFile: SecretFile = { path: POSTGRES_PASSWORD_FILE, secret: this.password };

    if (this.placement === 'server-host') {
      const server = planMachine(plan, 'server');
      this.serverHostCloudConfig = selfHostedPostgresCloudConfig({
        ...common,
        // The guide's same-box figure covers both; PostgreSQL gets half of the memory.
        settings: selfHostedSettings({ memoryGiB: server.memoryGiB / 2, servers: 1 }),
        listenAddresses: props.clientCidrs.length > 0 ? '*' : 'localhost',
        clientCidrs: props.clientCidrs,
      });
      this.serverHostSecretFiles = [passwordFile];
      this.host = null;
      this.machines = [];
      return;
    }

    // dedicated-host: a primary, and a standby cloned from it when the plan is HA.
    const machine = planMachine(plan, 'database');
    const settings = selfHostedSettings({
      memoryGiB: machine.memoryGiB,
      servers: plan.placement.serverCount,
    });
    const replicationSecret =
      machine.count > 1
        ? platform.secret(this, 'ReplicationPasswordSecret', {
            name: 'database-replication-password',
            value: generatedPassword(this, 'ReplicationPassword'),
            contentType: 'text/plain',
          })
        : null;
    const machines: MachineHandle[] = [];
    for (let index = 1; index <= machine.count; index++) {
      const primary = machines[0];
      const replication = replicationSecret
        ? index === 1
          ? { role: 'primary' as const, standbyCidrs: props.databaseCidrs ?? [] }
          : { role: 'standby' as const, primaryAddress: primary?.privateAddress ?? '' }
        : undefined;
      machines.push(
        platform.machine(this, `Host-${index}`, {
          role: 'database',
          index,
          hostname: `smc-db-${index}`,
          zone: 'database',
          shape: machine,
          ...(machine.count > 1 ? { availabilityZone: String(index) as '1' | '2' } : {}),
          cloudConfig: mergeCloudConfigs(
            selfHostedPostgresCloudConfig({
              ...common,
              settings,
              listenAddresses: '*',
              clientCidrs: props.clientCidrs,
              ...(replication ? { replication } : {}),
            }),
          ),
          secretFiles: [
            passwordFile,
            ...(replicationSecret
              ? [{ path: REPLICATION_PASSWORD_FILE, secret: replicationSecret }]
              : []),
          ],
        }),
      );
    }
    this.machines = machines;
    this.host = machines[0]?.privateAddress ?? null;
    this.serverHostCloudConfig = null;
    this.serverHostSecretFiles = [];
  }

  /**
   * A secret environment file line (`DATABASE_URL=...`) for a client connecting to `host`
   * (the server-host placement passes the server's own address). TLS is required.
   */
  connectionEnvironment(
    scope: Construct,
    id: string,
    secretName: string,
    host: string,
  ): SecretHandle {
    const url = `postgres://${this.user}:${this.password.value}@${host}:5432/${this.databaseName}?sslmode=require`;
    return this.platform.secret(scope, id, {
      name: secretName,
      value: `DATABASE_URL=${url}`,
      contentType: 'text/plain',
    });
  }
}
