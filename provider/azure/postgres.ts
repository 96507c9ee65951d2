import { PostgresqlFlexibleServer } from '@cdktf/provider-azurerm/lib/postgresql-flexible-server/index.js';
import { PostgresqlFlexibleServerConfiguration } from '@cdktf/provider-azurerm/lib/postgresql-flexible-server-configuration/index.js';
import { PostgresqlFlexibleServerDatabase } from '@cdktf/provider-azurerm/lib/postgresql-flexible-server-database/index.js';
import { PrivateDnsZone } from '@cdktf/provider-azurerm/lib/private-dns-zone/index.js';
import { PrivateDnsZoneVirtualNetworkLink } from '@cdktf/provider-azurerm/lib/private-dns-zone-virtual-network-link/index.js';
import { Construct } from 'constructs';
import type { ManagedPostgresSpec } from '../platform.js';
import { PropsError } from '../props-error.js';
import { azureName } from './names.js';

export interface AzurePostgresProps {
  readonly prefix: string;
  readonly location: string;
  readonly resourceGroupName: string;
  readonly delegatedSubnetId: string;
  readonly virtualNetworkId: string;
  /** Random suffix (a reference): Flexible Server names are global (`<name>.postgres.database.azure.com`). */
  readonly nameSuffix: string;
  readonly spec: ManagedPostgresSpec;
}

/**
 * Flexible Server with private access only: a delegated subnet and a private DNS zone, no
 * public endpoint, TLS required, zone-redundant standby when the plan asks for HA.
 */
export class AzurePostgres extends Construct {
  readonly server: PostgresqlFlexibleServer;

  constructor(scope: Construct, id: string, props: AzurePostgresProps) {
    super(scope, id);
    const { spec, prefix, location, resourceGroupName } = props;
    if (spec.highAvailability && spec.skuName.startsWith('B_')) {
      throw new PropsError(
        'database.skuName',
        'must be GeneralPurpose or MemoryOptimized with high availability: Azure offers no HA on Burstable',
        spec.skuName,
      );
    }
    // Flexible Server requires its private zone to end in .postgres.database.azure.com.
    const zone = new PrivateDnsZone(this, 'DnsZone', {
      name: `${prefix}.private.postgres.database.azure.com`,
      resourceGroupName,
    });
    const link = new PrivateDnsZoneVirtualNetworkLink(this, 'DnsZoneLink', {
      name: azureName(prefix, 'pg-dns-link'),
      privateDnsZoneName: zone.name,
      resourceGroupName,
      virtualNetworkId: props.virtualNetworkId,
      registrationEnabled: false,
    });
    this.server = new PostgresqlFlexibleServer(this, 'Server', {
      name: `${azureName(prefix, spec.name)}-${props.nameSuffix}`,
      location,
      resourceGroupName,
      version: spec.version,
      skuName: spec.skuName,
      storageMb: spec.storageGiB * 1024,
      autoGrowEnabled: true,
      backupRetentionDays: spec.backupRetentionDays,
      geoRedundantBackupEnabled: spec.geoRedundantBackup,
      delegatedSubnetId: props.delegatedSubnetId,
      privateDnsZoneId: zone.id,
      publicNetworkAccessEnabled: false,
      administratorLogin: spec.administratorLogin,
      administratorPassword: spec.administratorPassword.value,
      authentication: { passwordAuthEnabled: true, activeDirectoryAuthEnabled: false },
      zone: '1',
      ...(spec.highAvailability
        ? { highAvailability: { mode: 'ZoneRedundant', standbyAvailabilityZone: '2' } }
        : {}),
      // Azure swaps the zones on failover; terraform must not swap them back.
      lifecycle: { ignoreChanges: ['zone', 'high_availability[0].standby_availability_zone'] },
      dependsOn: [link],
    });
    new PostgresqlFlexibleServerDatabase(this, 'Database', {
      name: spec.databaseName,
      serverId: this.server.id,
      charset: 'UTF8',
      collation: 'en_US.utf8',
    });
    for (const [name, value] of Object.entries(spec.settings).sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      new PostgresqlFlexibleServerConfiguration(this, `Setting-${name}`, {
        name,
        serverId: this.server.id,
        value,
      });
    }
  }
}
