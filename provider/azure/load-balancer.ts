import { Lb } from '@cdktf/provider-azurerm/lib/lb/index.js';
import { LbBackendAddressPool } from '@cdktf/provider-azurerm/lib/lb-backend-address-pool/index.js';
import { LbProbe } from '@cdktf/provider-azurerm/lib/lb-probe/index.js';
import { LbRule } from '@cdktf/provider-azurerm/lib/lb-rule/index.js';
import { NetworkInterfaceBackendAddressPoolAssociation } from '@cdktf/provider-azurerm/lib/network-interface-backend-address-pool-association/index.js';
import { Construct } from 'constructs';
import { azureName } from './names.js';

export interface AzureLoadBalancerProps {
  readonly prefix: string;
  readonly name: string;
  readonly location: string;
  readonly resourceGroupName: string;
  readonly subnetId: string;
  readonly ports: readonly number[];
  readonly backendNicIds: readonly string[];
  /** Every rule sends traffic to a server only while this HTTPS route answers 200. */
  readonly health: { readonly port: number; readonly path: string };
}

const FRONTEND = 'private';

/**
 * Internal Standard Load Balancer, zone-redundant frontend, one TCP rule per port, all behind
 * one HTTPS probe of the server's health route: a server whose process hangs or lost its
 * database stops getting agents, where a TCP probe would still see its port open. Layer 4
 * pass-through keeps mutual TLS end to end: the servers see the agents' certificates.
 */
export class AzureLoadBalancer extends Construct {
  readonly lb: Lb;
  readonly privateAddress: string;

  constructor(scope: Construct, id: string, props: AzureLoadBalancerProps) {
    super(scope, id);
    this.lb = new Lb(this, 'Lb', {
      name: azureName(props.prefix, props.name),
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      sku: 'Standard',
      frontendIpConfiguration: [
        {
          name: FRONTEND,
          subnetId: props.subnetId,
          privateIpAddressAllocation: 'Dynamic',
          zones: ['1', '2', '3'],
        },
      ],
    });
    this.privateAddress = this.lb.frontendIpConfiguration.get(0).privateIpAddress;
    const pool = new LbBackendAddressPool(this, 'Pool', {
      name: 'servers',
      loadbalancerId: this.lb.id,
    });
    props.backendNicIds.forEach((nicId, i) => {
      new NetworkInterfaceBackendAddressPoolAssociation(this, `Member-${i + 1}`, {
        networkInterfaceId: nicId,
        ipConfigurationName: 'primary',
        backendAddressPoolId: pool.id,
      });
    });
    // Azure's HTTPS probe does not check the certificate, and the route needs no token.
    const probe = new LbProbe(this, 'HealthProbe', {
      name: `https-${props.health.port}-health`,
      loadbalancerId: this.lb.id,
      protocol: 'Https',
      port: props.health.port,
      requestPath: props.health.path,
      intervalInSeconds: 5,
      numberOfProbes: 2,
    });
    for (const port of props.ports) {
      new LbRule(this, `Rule-${port}`, {
        name: `tcp-${port}`,
        loadbalancerId: this.lb.id,
        protocol: 'Tcp',
        frontendPort: port,
        backendPort: port,
        frontendIpConfigurationName: FRONTEND,
        backendAddressPoolIds: [pool.id],
        probeId: probe.id,
        // Agents keep HTTP/2 connections open between replications (Azure's maximum is 100).
        idleTimeoutInMinutes: 30,
        tcpResetEnabled: true,
        disableOutboundSnat: true,
        loadDistribution: 'Default',
      });
    }
  }
}
