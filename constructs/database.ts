import { Construct } from 'constructs';
import { type CloudConfig, mergeCloudConfigs } from '../provider/cloud-init.js';
import type {
  DatabaseEngine,
  MachineHandle,
  Platform,
  SecretFile,
  SecretHandle,
} from '../provider/platform.js';
import { PropsError } from '../provider/props-error.js';
import { generatedPassword } from '../provider/secrets.js';
import { AZURE_POSTGRES_SKUS, type DatabasePlacement, type SizingPlan } from '../sizing/index.js';
import type { AgentCertificateAuthority } from './certificate-authority.js';
import { citusDatabase, validateCitusProps } from './citus-database.js';
import {
  POSTGRES_PASSWORD_FILE,
  POSTGRES_SECRET_TLS_DIR,
  REPLICATION_PASSWORD_FILE,
  selfHostedPostgresCloudConfig,
} from './cloud-init/postgres.js';
import { planMachine, SERVER_HOSTNAME_PREFIX } from './plan-machines.js';
import { managedSettings, selfHostedSettings } from './postgres-tuning.js';

/**
 * Azure Database for PostgreSQL and Cosmos DB for PostgreSQL present certificates from public
 * roots (DigiCert Global Root CA / G2, Microsoft RSA Root 2017), which the system bundle of the
 * VMs' image holds.
 */
const AZURE_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export interface DatabaseProps {
  readonly platform: Platform;
  readonly plan: SizingPlan;
  /** Issues the self-hosted database's TLS certificate, which clients verify (`verify-full`). */
  readonly certificateAuthority: AgentCertificateAuthority;
  /** Networks allowed to log in to a self-hosted database (the server's and MDM's). */
  readonly clientCidrs: readonly string[];
  /** Networks of the database hosts themselves (the standby's replication connection). @default [] */
  readonly databaseCidrs?: readonly string[];
  /**
   * PostgreSQL major version. On hosts, `postgresql-<version>` must be in their apt sources
   * (the distribution's, or a repository such as apt.postgresql.org that you add).
   * @default on hosts the distribution's (15 on Debian 12, 17 on Debian 13, 14 on Ubuntu 22.04,
   * 16 on Ubuntu 24.04); '16' for Azure Flexible Server
   */
  readonly version?: string;
  /** Days of backups kept (Azure allows 7 to 35). @default 14 */
  readonly backupRetentionDays?: number;
  /** Managed only: copy backups to the paired region. @default true */
  readonly geoRedundantBackup?: boolean;
  /**
   * Self-hosted only: where each night's dump is also copied, off the database host, as an
   * scp destination `user@host:/absolute/folder` (a backup server the architect names). The
   * copy logs in with the key at `/etc/smc/backup-copy.key` on the database host (place it
   * with your host setup; the target's host key is learned on first use). A failed copy fails
   * the `smc-postgres-backup` unit (the local dump is kept). Not allowed on managed databases:
   * Flexible Server keeps its own backups (geo-redundant by default).
   * @default none: dumps stay in /var/backups/smc on the database host
   */
  readonly backupCopyTarget?: string;
  /** Managed only: replaces the plan's Flexible Server SKU. @default the plan's */
  readonly skuName?: string;
  /** Database and login name. @default 'smc'; 'citus' (the only one it has) with engine 'citus' */
  readonly databaseName?: string;
  /**
   * 'citus': the route past one PostgreSQL for the largest tiers, Azure only: an Azure Cosmos DB
   * for PostgreSQL cluster (coordinator + workers sized from the plan, `citusClusterFor`) behind
   * a private endpoint; the server shards logs and per-agent tables by agent id over the workers.
   * Refused on vms (smc-kit installs no Citus there). @default 'postgresql'
   */
  readonly engine?: DatabaseEngine;
}

/** `user@host:/folder`: plain characters only, since it lands in a root shell script. */
const BACKUP_COPY_TARGET =
  /^[a-z_][a-z0-9_.-]{0,31}@[A-Za-z0-9.-]{1,253}:\/[A-Za-z0-9._/-]{0,200}$/;

/**
 * PostgreSQL where the plan puts it: a Flexible Server (managed), beside the server on its
 * host (`server-host`: this construct then only contributes configuration to that host), or
 * on hosts of its own (`dedicated-host`, with a streaming standby for HA). TLS is required
 * for every remote login; backups are on with the retention in props.
 */
export class Database extends Construct {
  readonly placement: DatabasePlacement;
  readonly engine: DatabaseEngine;
  readonly user: string;
  readonly databaseName: string;
  readonly password: SecretHandle;
  /**
   * The name clients connect to: the Flexible Server's FQDN, the first database host's FQDN,
   * or for `server-host` the server's (it connects over 127.0.0.1, the MDM connector by name).
   */
  readonly host: string;
  /** For `server-host`: what the server host must also run. */
  readonly serverHostCloudConfig: CloudConfig | null;
  readonly serverHostSecretFiles: readonly SecretFile[];
  readonly machines: readonly MachineHandle[];
  private readonly platform: Platform;
  /** The CA bundle clients verify with when it is not the deployment CA (managed only). */
  private readonly caFileOnClients: string | null;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const { platform, plan } = props;
    this.platform = platform;
    this.placement = plan.placement.database;
    this.engine = props.engine ?? 'postgresql';
    if (this.engine === 'citus') validateCitusProps(props);
    else if (this.engine !== 'postgresql')
      throw new PropsError('database.engine', "must be 'postgresql' or 'citus'", this.engine);
    this.databaseName = props.databaseName ?? (this.engine === 'citus' ? 'citus' : 'smc');
    if (!/^[a-z][a-z0-9_]{0,30}$/.test(this.databaseName)) {
      throw new PropsError(
        'database.databaseName',
        'must be a lower-case identifier (letters, digits, _)',
        this.databaseName,
      );
    }
    this.user = this.databaseName;
    const version = props.version ?? null;
    if (version !== null && !['13', '14', '15', '16', '17'].includes(version)) {
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
    const copyTarget = props.backupCopyTarget;
    if (copyTarget !== undefined) {
      if (!BACKUP_COPY_TARGET.test(copyTarget))
        throw new PropsError(
          'database.backupCopyTarget',
          'must be an scp destination user@host:/absolute/folder (letters, digits, . _ - / only)',
          copyTarget,
        );
      if (this.placement === 'managed')
        throw new PropsError(
          'database.backupCopyTarget',
          'applies to self-hosted PostgreSQL only: a Flexible Server keeps its own backups',
          copyTarget,
        );
    }
    const passwordValue = generatedPassword(this, 'Password');
    this.password = platform.secret(this, 'PasswordSecret', {
      name: 'database-password',
      value: passwordValue,
      contentType: 'text/plain',
    });

    if (this.engine === 'citus') {
      this.host = citusDatabase(this, 'Citus', { platform, plan, props, password: this.password });
      this.caFileOnClients = AZURE_CA_BUNDLE;
      this.serverHostCloudConfig = null;
      this.serverHostSecretFiles = [];
      this.machines = [];
      return;
    }

    if (this.placement === 'managed') {
      const machine = planMachine(plan, 'database');
      if (machine.azure?.kind === 'cosmosdb-postgresql-cluster')
        throw new PropsError(
          'database.engine',
          "is 'postgresql' but the plan sized a Citus cluster (databaseEngine 'citus'): give engine 'citus' or re-plan without it",
          this.engine,
        );
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
        version: version ?? '16',
        backupRetentionDays: retention,
        geoRedundantBackup: props.geoRedundantBackup ?? true,
        administratorLogin: this.user,
        administratorPassword: this.password,
        databaseName: this.databaseName,
        settings: managedSettings(),
      });
      this.host = endpoint.host;
      this.caFileOnClients = AZURE_CA_BUNDLE;
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
      ...(copyTarget !== undefined ? { backupCopyTarget: copyTarget } : {}),
    };
    const passwordFile: SecretFile = { path: POSTGRES_PASSWORD_FILE, secret: this.password };
    // Clients check the database's certificate against the deployment CA and its name.
    this.caFileOnClients = null;
    const tlsFiles = (names: readonly string[]): SecretFile[] => {
      const issued = props.certificateAuthority.issue('TlsCertificate', 'database', {
        dnsNames: [...names, 'localhost'],
        ipAddresses: ['127.0.0.1'],
      });
      return [
        { path: `${POSTGRES_SECRET_TLS_DIR}/server.crt`, secret: issued.certificate },
        { path: `${POSTGRES_SECRET_TLS_DIR}/server.key`, secret: issued.privateKey },
        {
          path: `${POSTGRES_SECRET_TLS_DIR}/ca.pem`,
          secret: props.certificateAuthority.caCertificate,
        },
      ];
    };

    if (this.placement === 'server-host') {
      const server = planMachine(plan, 'server');
      this.host = `${SERVER_HOSTNAME_PREFIX}1.${platform.dnsZone}`;
      this.serverHostCloudConfig = selfHostedPostgresCloudConfig({
        ...common,
        // The guide's same-box figure covers both; PostgreSQL gets half of the memory.
        settings: selfHostedSettings({ memoryGiB: server.memoryGiB / 2, servers: 1 }),
        listenAddresses: props.clientCidrs.length > 0 ? '*' : 'localhost',
        clientCidrs: props.clientCidrs,
      });
      this.serverHostSecretFiles = [passwordFile, ...tlsFiles([this.host])];
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
    const hostnames = Array.from({ length: machine.count }, (_, i) => `smc-db-${i + 1}`);
    const fqdns = hostnames.map((h) => `${h}.${platform.dnsZone}`);
    // One certificate for the pair: a failover keeps the names clients verify against.
    const tls = tlsFiles(fqdns);
    const machines: MachineHandle[] = [];
    for (let index = 1; index <= machine.count; index++) {
      const replication = replicationSecret
        ? index === 1
          ? { role: 'primary' as const, standbyCidrs: props.databaseCidrs ?? [] }
          : { role: 'standby' as const, primaryHost: fqdns[0] ?? '' }
        : undefined;
      machines.push(
        platform.machine(this, `Host-${index}`, {
          role: 'database',
          index,
          hostname: hostnames[index - 1] ?? '',
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
            ...tls,
            ...(replicationSecret
              ? [{ path: REPLICATION_PASSWORD_FILE, secret: replicationSecret }]
              : []),
          ],
        }),
      );
    }
    this.machines = machines;
    this.host = machines[0]?.fqdn ?? '';
    this.serverHostCloudConfig = null;
    this.serverHostSecretFiles = [];
  }

  /**
   * A secret environment file line (`DATABASE_URL=...`) for a client connecting to `host`
   * (the server beside its database passes 127.0.0.1). The connection is TLS with the
   * server's certificate verified (`verify-full`): against the deployment CA, which the client
   * keeps at `deploymentCaFile`, or for Azure's Flexible Server against the system CA bundle.
   */
  connectionEnvironment(
    scope: Construct,
    id: string,
    secretName: string,
    options: { readonly host?: string; readonly deploymentCaFile: string },
  ): SecretHandle {
    const host = options.host ?? this.host;
    const rootCert = this.caFileOnClients ?? options.deploymentCaFile;
    const url = `postgres://${this.user}:${this.password.value}@${host}:5432/${this.databaseName}?sslmode=verify-full&sslrootcert=${rootCert}`;
    return this.platform.secret(scope, id, {
      name: secretName,
      value: `DATABASE_URL=${url}`,
      contentType: 'text/plain',
    });
  }
}
