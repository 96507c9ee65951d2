import { CosmosdbPostgresqlCluster } from '@cdktf/provider-azurerm/lib/cosmosdb-postgresql-cluster/index.js';
import { PrivateDnsZone } from '@cdktf/provider-azurerm/lib/private-dns-zone/index.js';
import { PrivateDnsZoneVirtualNetworkLink } from '@cdktf/provider-azurerm/lib/private-dns-zone-virtual-network-link/index.js';
import { PrivateEndpoint } from '@cdktf/provider-azurerm/lib/private-endpoint/index.js';
import { Construct } from 'constructs';
import type { ManagedCitusSpec } from '../platform.js';
import { azureName } from './names.js';

/** Azure's zone for Cosmos DB for PostgreSQL private endpoints; the public names CNAME into it. */
export const CITUS_PRIVATE_DNS_ZONE = 'privatelink.postgres.cosmos.azure.com';

export interface AzureCitusProps {
  readonly prefix: string;
  readonly location: string;
  readonly resourceGroupName: string;
  /** A subnet that is not delegated: private endpoints cannot live in a delegated one. */
  readonly privateEndpointSubnetId: string;
  readonly virtualNetworkId: string;
  /** Random suffix (a reference): cluster names are global (`c-<name>.<id>.postgres.cosmos.azure.com`). */
  readonly nameSuffix: string;
  readonly spec: ManagedCitusSpec;
}

/**
 * Azure Cosmos DB for PostgreSQL (Citus) with private access only: no public address on the
 * coordinator or the workers, one private endpoint for the coordinator in the database subnet,
 * and the privatelink zone linked to the VNet so the coordinator's public name resolves to that
 * endpoint inside it. The service always requires TLS 1.2+ and keeps its own backups (35 days,
 * zone-redundant storage), neither of which the resource lets us change.
 */
export class AzureCitus extends Construct {
  readonly cluster: CosmosdbPostgresqlCluster;
  readonly privateEndpoint: PrivateEndpoint;
  /**
   * The coordinator's name, what clients connect to and what its certificate carries:
   * `c-<cluster>.<id>.postgres.cosmos.azure.com`, the one server whose FQDN starts with `c-`
   * (the workers' start with `w<n>-`), taken from the cluster's `servers` at apply time.
   */
  readonly coordinatorFqdn: string;

  constructor(scope: Construct, id: string, props: AzureCitusProps) {
    super(scope, id);
    const { spec, prefix, location, resourceGroupName } = props;
    this.cluster = new CosmosdbPostgresqlCluster(this, 'Cluster', {
      name: `${azureName(prefix, spec.name)}-${props.nameSuffix}`,
      location,
      resourceGroupName,
      sqlVersion: spec.version,
      administratorLoginPassword: spec.administratorPassword.value,
      coordinatorVcoreCount: spec.coordinator.vCores,
      coordinatorStorageQuotaInMb: spec.coordinator.storageGiB * 1024,
      coordinatorServerEdition: 'GeneralPurpose',
      coordinatorPublicIpAccessEnabled: false,
      nodeCount: spec.workers.count,
      nodeVcores: spec.workers.vCores,
      nodeStorageQuotaInMb: spec.workers.storageGiB * 1024,
      nodeServerEdition: 'MemoryOptimized',
      nodePublicIpAccessEnabled: false,
      // Logs live on the workers only: the coordinator keeps metadata and reference tables.
      shardsOnCoordinatorEnabled: false,
      haEnabled: spec.highAvailability,
      preferredPrimaryZone: '1',
    });
    const zone = new PrivateDnsZone(this, 'DnsZone', {
      name: CITUS_PRIVATE_DNS_ZONE,
      resourceGroupName,
    });
    new PrivateDnsZoneVirtualNetworkLink(this, 'DnsZoneLink', {
      name: azureName(prefix, 'citus-dns-link'),
      privateDnsZoneName: zone.name,
      resourceGroupName,
      virtualNetworkId: props.virtualNetworkId,
      registrationEnabled: false,
    });
    this.privateEndpoint = new PrivateEndpoint(this, 'PrivateEndpoint', {
      name: azureName(prefix, 'citus-pe'),
      location,
      resourceGroupName,
      subnetId: props.privateEndpointSubnetId,
      privateServiceConnection: {
        name: azureName(prefix, 'citus-psc'),
        privateConnectionResourceId: this.cluster.id,
        subresourceNames: ['coordinator'],
        isManualConnection: false,
      },
      // Writes the endpoint's A record into the zone, so no record of ours can go stale.
      privateDnsZoneGroup: { name: 'citus', privateDnsZoneIds: [zone.id] },
    });
    this.coordinatorFqdn = `\${[for s in ${this.cluster.fqn}.servers : s.fqdn if startswith(s.fqdn, "c-")][0]}`;
  }
}
