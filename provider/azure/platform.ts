import { DataAzurermResourceGroup } from '@cdktf/provider-azurerm/lib/data-azurerm-resource-group/index.js';
import { KeyVaultSecret } from '@cdktf/provider-azurerm/lib/key-vault-secret/index.js';
import { ManagementLock } from '@cdktf/provider-azurerm/lib/management-lock/index.js';
import { PrivateDnsARecord } from '@cdktf/provider-azurerm/lib/private-dns-a-record/index.js';
import { PrivateDnsSrvRecord } from '@cdktf/provider-azurerm/lib/private-dns-srv-record/index.js';
import { PrivateDnsZone } from '@cdktf/provider-azurerm/lib/private-dns-zone/index.js';
import { PrivateDnsZoneVirtualNetworkLink } from '@cdktf/provider-azurerm/lib/private-dns-zone-virtual-network-link/index.js';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider/index.js';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group/index.js';
import { RandomProvider } from '@cdktf/provider-random/lib/provider/index.js';
import { StringResource } from '@cdktf/provider-random/lib/string-resource/index.js';
import { PrivateKey } from '@cdktf/provider-tls/lib/private-key/index.js';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider/index.js';
import { Annotations, TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { renderCloudConfigYaml } from '../cloud-init.js';
import { withHostFirewall } from '../host-firewall/index.js';
import type {
  DnsRecord,
  FirewallRule,
  LoadBalancerHandle,
  LoadBalancerSpec,
  MachineHandle,
  MachineSpec,
  ManagedCitusSpec,
  ManagedPostgresHandle,
  ManagedPostgresSpec,
  NetworkHandle,
  NetworkSpec,
  Platform,
  SecretHandle,
  SecretSpec,
} from '../platform.js';
import { PropsError } from '../props-error.js';
import { ensureProvider } from '../terraform-providers.js';
import { AzureCitus } from './citus.js';
import { diagnosticSetting } from './diagnostics.js';
import { AzureKeyVault } from './key-vault.js';
import { AzureLoadBalancer } from './load-balancer.js';
import { AzureMachine } from './machine.js';
import { azureName } from './names.js';
import { AzureNetwork } from './network.js';
import { AzurePostgres } from './postgres.js';
import { type AzurePlatformProps, type ResolvedAzureProps, resolveAzureProps } from './props.js';

/**
 * Azure through azurerm 4.x: a resource group (or an existing one), a VNet with a subnet and
 * NSG per zone, Linux VMs with cloud-init and managed identities, PostgreSQL Flexible Server
 * on private access, an internal Standard Load Balancer, a private DNS zone with SRV records
 * and Key Vault for every generated secret.
 */
export class AzurePlatform extends Construct implements Platform {
  readonly kind = 'azure' as const;
  readonly supportsManagedPostgres = true;
  readonly placesOfficeProxies: boolean;
  readonly dnsZone: string;
  readonly dnsNote: string;
  readonly props: ResolvedAzureProps;
  readonly resourceGroupName: string;
  readonly keyVault: AzureKeyVault;
  private readonly resourceGroupId: string;
  private readonly zone: PrivateDnsZone;
  private network_: AzureNetwork | undefined;
  private readonly machines = new Map<string, AzureMachine>();
  private readonly secrets: KeyVaultSecret[] = [];
  private readonly secretNameList: string[] = [];
  private readonly documents = new Map<string, string>();
  private rules: readonly FirewallRule[] = [];
  private adminKey: string | undefined;
  /**
   * Appended to names Azure wants unique worldwide (Key Vault, PostgreSQL server): random
   * once, then fixed in state, so two deployments with the same prefix never collide.
   */
  readonly globalNameSuffix: string;

  constructor(scope: Construct, id: string, props: AzurePlatformProps) {
    super(scope, id);
    this.props = resolveAzureProps(props);
    const { namePrefix: prefix, location } = this.props;
    this.dnsZone = this.props.dnsZone;
    this.placesOfficeProxies = this.props.officeProxies === 'vnet';
    this.dnsNote = `names resolve inside the VNet through the private zone ${this.dnsZone}; link it to your hub or forward to it from on-premises DNS`;
    ensureProvider(
      this,
      'azurerm',
      (stack) => new AzurermProvider(stack, 'azurerm', { features: [{}] }),
    );

    if (this.props.existingResourceGroupName) {
      const group = new DataAzurermResourceGroup(this, 'ResourceGroup', {
        name: this.props.existingResourceGroupName,
      });
      this.resourceGroupName = group.name;
      this.resourceGroupId = group.id;
    } else {
      const group = new ResourceGroup(this, 'ResourceGroup', {
        name: azureName(prefix, 'rg'),
        location,
      });
      this.resourceGroupName = group.name;
      this.resourceGroupId = group.id;
    }
    if (this.props.lock) {
      new ManagementLock(this, 'Lock', {
        name: azureName(prefix, 'lock'),
        scope: this.resourceGroupId,
        lockLevel: this.props.lock,
        notes: 'smc-kit deployment: remove the lock before terraform destroy',
      });
    }
    ensureProvider(this, 'random', (stack) => new RandomProvider(stack, 'random'));
    this.globalNameSuffix = new StringResource(this, 'NameSuffix', {
      length: 6,
      special: false,
      upper: false,
    }).result;
    this.keyVault = new AzureKeyVault(this, 'KeyVault', {
      prefix,
      nameSuffix: this.globalNameSuffix,
      location,
      resourceGroupName: this.resourceGroupName,
      allowedCidrs: this.props.keyVaultAllowedCidrs,
    });
    if (this.props.keyVaultAllowedCidrs.length === 0) {
      Annotations.of(this).addWarning(
        'Key Vault admits no address outside the VNet: `terraform apply` writes the generated secrets into it and fails with 403 ForbiddenByFirewall unless it runs inside the VNet. Pass the public egress address of the machine that applies (keyVaultAllowedCidrs, smc synth --key-vault-allowed-cidr 203.0.113.7/32).',
      );
    }
    new TerraformOutput(this, 'key_vault_name', {
      value: this.keyVault.vault.name,
      description:
        'Key Vault holding every generated secret, e.g. az keyvault secret show --vault-name <this> --name admin-token',
    }).overrideLogicalId('key_vault_name');
    this.zone = new PrivateDnsZone(this, 'DnsZone', {
      name: this.dnsZone,
      resourceGroupName: this.resourceGroupName,
    });
    this.diagnostics('KeyVaultDiagnostics', this.keyVault.vault.id, { logs: true, metrics: true });
  }

  /** Cloud-init of the office proxies that run on-premises (officeProxies 'on-premises'). */
  get cloudInitDocuments(): ReadonlyMap<string, string> {
    return this.documents;
  }

  get secretNames(): readonly string[] {
    return this.secretNameList;
  }

  network(scope: Construct, id: string, spec: NetworkSpec): NetworkHandle {
    if (this.network_) throw new Error('the Azure platform holds one network per deployment');
    this.rules = spec.rules;
    const network = new AzureNetwork(scope, id, {
      prefix: this.props.namePrefix,
      location: this.props.location,
      resourceGroupName: this.resourceGroupName,
      addressSpace: this.props.addressSpace,
      spec,
    });
    this.network_ = network;
    new PrivateDnsZoneVirtualNetworkLink(this, 'DnsZoneLink', {
      name: azureName(this.props.namePrefix, 'dns-link'),
      privateDnsZoneName: this.zone.name,
      resourceGroupName: this.resourceGroupName,
      virtualNetworkId: network.vnet.id,
      registrationEnabled: false,
    });
    this.keyVault.allowSubnets(
      spec.zones.filter((z) => z !== 'database').map((z) => network.subnetOf(z).id),
    );
    network.securityGroups.forEach((nsg, i) => {
      this.diagnostics(`NsgDiagnostics-${spec.zones[i]}`, nsg.id, { logs: true, metrics: false });
    });
    return {
      cidrsOf: (zone) => [network.cidrOf(zone)],
      addressSpace: [this.props.addressSpace],
    };
  }

  machine(scope: Construct, id: string, spec: MachineSpec): MachineHandle {
    const network = this.requireNetwork();
    if (spec.role === 'proxy' && !this.placesOfficeProxies) return this.onPremisesProxy(spec);
    const previous = spec.rollsAfter ? this.machines.get(spec.rollsAfter) : undefined;
    if (spec.rollsAfter && !previous)
      throw new PropsError(
        'rollsAfter',
        `must name a host built before ${spec.hostname}`,
        spec.rollsAfter,
      );
    const machine = new AzureMachine(scope, id, {
      ...(previous ? { rollsAfter: previous } : {}),
      prefix: this.props.namePrefix,
      location: this.props.location,
      resourceGroupName: this.resourceGroupName,
      subnetId: network.subnetOf(spec.zone).id,
      dnsZoneName: this.zone.name,
      dnsZoneLiteral: this.dnsZone,
      adminUsername: this.props.adminUsername,
      adminSshPublicKey: this.adminPublicKey(),
      vaultId: this.keyVault.vault.id,
      vaultUri: this.keyVault.vault.vaultUri,
      secrets: this.secrets,
      spec,
    });
    this.machines.set(spec.hostname, machine);
    return {
      hostname: spec.hostname,
      fqdn: `${spec.hostname}.${this.dnsZone}`,
      privateAddress: machine.privateAddress,
    };
  }

  managedPostgres(scope: Construct, id: string, spec: ManagedPostgresSpec): ManagedPostgresHandle {
    const network = this.requireNetwork();
    if (network.privateEndpointZone)
      throw new Error(
        "the network was built for Citus (managedDatabase 'citus'), not Flexible Server",
      );
    const postgres = new AzurePostgres(scope, id, {
      prefix: this.props.namePrefix,
      location: this.props.location,
      resourceGroupName: this.resourceGroupName,
      delegatedSubnetId: network.subnetOf('database').id,
      virtualNetworkId: network.vnet.id,
      nameSuffix: this.globalNameSuffix,
      spec,
    });
    this.diagnostics('PostgresDiagnostics', postgres.server.id, { logs: true, metrics: true });
    return { host: postgres.server.fqdn, port: 5432 };
  }

  managedCitus(scope: Construct, id: string, spec: ManagedCitusSpec): ManagedPostgresHandle {
    const network = this.requireNetwork();
    if (network.privateEndpointZone !== 'database')
      throw new Error(
        "build the network with managedDatabase 'citus': the database subnet must not be delegated",
      );
    const citus = new AzureCitus(scope, id, {
      prefix: this.props.namePrefix,
      location: this.props.location,
      resourceGroupName: this.resourceGroupName,
      privateEndpointSubnetId: network.subnetOf('database').id,
      virtualNetworkId: network.vnet.id,
      nameSuffix: this.globalNameSuffix,
      spec,
    });
    this.diagnostics('CitusDiagnostics', citus.cluster.id, { logs: true, metrics: true });
    return { host: citus.coordinatorFqdn, port: 5432 };
  }

  loadBalancer(scope: Construct, id: string, spec: LoadBalancerSpec): LoadBalancerHandle {
    const network = this.requireNetwork();
    const nicIds = spec.backends.map((backend) => {
      const machine = this.machines.get(backend.hostname);
      if (!machine)
        throw new Error(
          `load balancer backend ${backend.hostname} is not a machine of this platform`,
        );
      return machine.nic.id;
    });
    const lb = new AzureLoadBalancer(scope, id, {
      prefix: this.props.namePrefix,
      name: spec.name,
      location: this.props.location,
      resourceGroupName: this.resourceGroupName,
      subnetId: network.subnetOf(spec.zone).id,
      ports: spec.ports,
      backendNicIds: nicIds,
      health: spec.health,
    });
    this.diagnostics('LoadBalancerDiagnostics', lb.lb.id, { logs: false, metrics: true });
    return { privateAddress: lb.privateAddress };
  }

  dnsRecord(scope: Construct, id: string, record: DnsRecord): void {
    if (record.kind === 'A') {
      new PrivateDnsARecord(scope, id, {
        name: record.name,
        zoneName: this.zone.name,
        resourceGroupName: this.resourceGroupName,
        ttl: 300,
        records: [...record.addresses],
      });
      return;
    }
    new PrivateDnsSrvRecord(scope, id, {
      name: record.name,
      zoneName: this.zone.name,
      resourceGroupName: this.resourceGroupName,
      ttl: 300,
      record: record.targets.map((t) => ({
        priority: t.priority,
        weight: t.weight,
        port: t.port,
        target: t.host,
      })),
    });
  }

  secret(scope: Construct, id: string, spec: SecretSpec): SecretHandle {
    if (!/^[a-z0-9-]{1,127}$/.test(spec.name)) {
      throw new PropsError(
        'secret.name',
        'must be lower-case letters, digits and hyphens',
        spec.name,
      );
    }
    this.secretNameList.push(spec.name);
    const secret = new KeyVaultSecret(scope, id, {
      name: spec.name,
      value: spec.value,
      contentType: spec.contentType,
      keyVaultId: this.keyVault.vault.id,
      dependsOn: [this.keyVault.writerAccess],
    });
    this.secrets.push(secret);
    return { name: spec.name, value: spec.value };
  }

  private adminPublicKey(): string {
    if (this.props.adminSshPublicKey) return this.props.adminSshPublicKey;
    if (!this.adminKey) {
      ensureProvider(this, 'tls', (stack) => new TlsProvider(stack, 'tls'));
      const key = new PrivateKey(this, 'AdminSshKey', { algorithm: 'ED25519' });
      this.secret(this, 'AdminSshPrivateKey', {
        name: 'admin-ssh-private-key',
        value: key.privateKeyOpenssh,
        contentType: 'application/x-openssh-private-key',
      });
      this.adminKey = key.publicKeyOpenssh;
    }
    return this.adminKey;
  }

  /**
   * A proxy in its branch office: no Azure resource, only the host's `#cloud-config` (with
   * its nftables firewall, as on existing hosts) for the office's hypervisor. Proxies hold no
   * secrets, so the document is complete as written.
   */
  private onPremisesProxy(spec: MachineSpec): MachineHandle {
    if (spec.secretFiles.length > 0) {
      throw new Error(`${spec.hostname}: an on-premises host cannot receive Key Vault secrets`);
    }
    const config = withHostFirewall(
      spec.hostname,
      spec.zone,
      this.rules,
      (zone) => (this.requireNetwork().hasZone(zone) ? [this.requireNetwork().cidrOf(zone)] : []),
      spec.cloudConfig,
    );
    this.documents.set(
      spec.hostname,
      renderCloudConfigYaml(config, [
        `smc-kit ${spec.role} host ${spec.hostname}.${this.dnsZone}, on-premises in office ${spec.office ?? '?'}`,
        `Boot it on the office's hypervisor; it must resolve the ${this.dnsZone} names (forward the zone to Azure's private DNS).`,
      ]),
    );
    return {
      hostname: spec.hostname,
      fqdn: `${spec.hostname}.${this.dnsZone}`,
      privateAddress: '',
    };
  }

  private requireNetwork(): AzureNetwork {
    if (!this.network_)
      throw new Error('create the network before machines, databases or load balancers');
    return this.network_;
  }

  private diagnostics(
    id: string,
    target: string,
    options: { logs: boolean; metrics: boolean },
  ): void {
    const workspace = this.props.diagnosticsWorkspaceId;
    if (workspace) diagnosticSetting(this, id, target, workspace, options);
  }
}
