import { NatGateway } from '@cdktf/provider-azurerm/lib/nat-gateway/index.js';
import { NatGatewayPublicIpAssociation } from '@cdktf/provider-azurerm/lib/nat-gateway-public-ip-association/index.js';
import { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group/index.js';
import { PublicIp } from '@cdktf/provider-azurerm/lib/public-ip/index.js';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet/index.js';
import { SubnetNatGatewayAssociation } from '@cdktf/provider-azurerm/lib/subnet-nat-gateway-association/index.js';
import { SubnetNetworkSecurityGroupAssociation } from '@cdktf/provider-azurerm/lib/subnet-network-security-group-association/index.js';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network/index.js';
import { Construct } from 'constructs';
import { type FirewallRule, type NetworkSpec, ZONES, type Zone } from '../platform.js';
import { azureName, zoneSubnetCidr } from './names.js';

export interface AzureNetworkProps {
  readonly prefix: string;
  readonly location: string;
  readonly resourceGroupName: string;
  readonly addressSpace: string;
  readonly spec: NetworkSpec;
}

/** Subnets delegated to PostgreSQL Flexible Server accept nothing else (Azure rule). */
const DELEGATED: Partial<Record<Zone, string>> = {
  database: 'Microsoft.DBforPostgreSQL/flexibleServers',
};

/** The first priority our allow rules take; the explicit deny sits after all of them. */
const FIRST_PRIORITY = 100;
const DENY_PRIORITY = 4000;

/**
 * VNet, one subnet and NSG per zone, and a NAT gateway for outbound traffic (packages, npm):
 * no VM gets a public address. Each NSG allows exactly the port table's flows into its zone
 * and then denies the rest of the VNet, which Azure's default rules would otherwise allow.
 */
export class AzureNetwork extends Construct {
  readonly vnet: VirtualNetwork;
  readonly subnets = new Map<Zone, Subnet>();
  readonly securityGroups: NetworkSecurityGroup[] = [];
  private readonly cidrs = new Map<Zone, string>();
  /** The zone whose subnet holds private endpoints instead of a delegation (Citus), if any. */
  readonly privateEndpointZone: Zone | null;

  constructor(scope: Construct, id: string, props: AzureNetworkProps) {
    super(scope, id);
    const { prefix, location, resourceGroupName, spec } = props;
    this.vnet = new VirtualNetwork(this, 'Vnet', {
      name: azureName(prefix, 'vnet'),
      location,
      resourceGroupName,
      addressSpace: [props.addressSpace],
    });
    // Fixed per zone (not per position), so adding MDM later never renumbers a subnet.
    for (const zone of spec.zones) {
      this.cidrs.set(zone, zoneSubnetCidr(props.addressSpace, ZONES.indexOf(zone)));
    }

    const publicIp = new PublicIp(this, 'NatIp', {
      name: azureName(prefix, 'nat-ip'),
      location,
      resourceGroupName,
      allocationMethod: 'Static',
      sku: 'Standard',
      zones: ['1'],
    });
    const nat = new NatGateway(this, 'Nat', {
      name: azureName(prefix, 'nat'),
      location,
      resourceGroupName,
      skuName: 'Standard',
      zones: ['1'],
    });
    new NatGatewayPublicIpAssociation(this, 'NatIpAssociation', {
      natGatewayId: nat.id,
      publicIpAddressId: publicIp.id,
    });

    // A Citus cluster is reached by a private endpoint, which a delegated subnet cannot hold.
    this.privateEndpointZone = spec.managedDatabase === 'citus' ? 'database' : null;
    for (const zone of spec.zones) {
      const delegation = zone === this.privateEndpointZone ? undefined : DELEGATED[zone];
      const subnet = new Subnet(this, `Subnet-${zone}`, {
        name: azureName(prefix, 'snet', zone),
        resourceGroupName,
        virtualNetworkName: this.vnet.name,
        addressPrefixes: [this.cidrOf(zone)],
        defaultOutboundAccessEnabled: false,
        ...(delegation
          ? {
              delegation: [
                {
                  name: 'postgresql',
                  serviceDelegation: {
                    name: delegation,
                    actions: ['Microsoft.Network/virtualNetworks/subnets/join/action'],
                  },
                },
              ],
            }
          : zone === this.privateEndpointZone
            ? // The NSG's rules (5432 from the server and MDM zones only) apply to the endpoint.
              { privateEndpointNetworkPolicies: 'NetworkSecurityGroupEnabled' }
            : { serviceEndpoints: ['Microsoft.KeyVault'] }),
      });
      this.subnets.set(zone, subnet);
      const nsg = new NetworkSecurityGroup(this, `Nsg-${zone}`, {
        name: azureName(prefix, 'nsg', zone),
        location,
        resourceGroupName,
        securityRule: [
          ...spec.rules
            .filter((r) => r.to === zone)
            .map((rule, i) => this.allowRule(rule, FIRST_PRIORITY + i * 10)),
          {
            name: 'deny-other-inbound',
            priority: DENY_PRIORITY,
            direction: 'Inbound',
            access: 'Deny',
            protocol: '*',
            sourcePortRange: '*',
            destinationPortRange: '*',
            sourceAddressPrefix: '*',
            destinationAddressPrefix: '*',
            description: 'Everything the port table does not allow, including the rest of the VNet',
          },
        ],
      });
      this.securityGroups.push(nsg);
      new SubnetNetworkSecurityGroupAssociation(this, `NsgAssociation-${zone}`, {
        subnetId: subnet.id,
        networkSecurityGroupId: nsg.id,
      });
      if (!delegation && zone !== this.privateEndpointZone) {
        new SubnetNatGatewayAssociation(this, `NatAssociation-${zone}`, {
          subnetId: subnet.id,
          natGatewayId: nat.id,
        });
      }
    }
  }

  hasZone(zone: Zone): boolean {
    return this.cidrs.has(zone);
  }

  cidrOf(zone: Zone): string {
    const cidr = this.cidrs.get(zone);
    if (!cidr) throw new Error(`zone ${zone} is not part of this network`);
    return cidr;
  }

  subnetOf(zone: Zone): Subnet {
    const subnet = this.subnets.get(zone);
    if (!subnet) throw new Error(`zone ${zone} is not part of this network`);
    return subnet;
  }

  private allowRule(rule: FirewallRule, priority: number) {
    const sources =
      rule.from.kind === 'zone' ? [this.cidrOf(rule.from.zone)] : [...rule.from.cidrs];
    return {
      name: rule.name,
      priority,
      direction: 'Inbound',
      access: 'Allow',
      protocol: rule.protocol === 'udp' ? 'Udp' : 'Tcp',
      sourcePortRange: '*',
      destinationPortRange: String(rule.port),
      sourceAddressPrefixes: sources,
      destinationAddressPrefix: this.cidrOf(rule.to),
      description: rule.purpose,
    };
  }
}
