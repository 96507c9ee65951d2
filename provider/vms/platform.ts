import { NullProvider } from '@cdktf/provider-null/lib/provider/index.js';
import { Lazy, TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { mergeCloudConfigs, renderBootstrapScript, renderCloudConfigYaml } from '../cloud-init.js';
import { validateDnsZone } from '../dns-zone.js';
import type {
  DnsRecord,
  FirewallRule,
  HostRole,
  LoadBalancerHandle,
  LoadBalancerSpec,
  MachineHandle,
  MachineSpec,
  ManagedPostgresHandle,
  NetworkHandle,
  NetworkSpec,
  Platform,
  SecretHandle,
  SecretSpec,
  Zone,
} from '../platform.js';
import { PropsError } from '../props-error.js';
import { ensureProvider } from '../terraform-providers.js';
import { firewallCloudConfig } from './firewall-config.js';
import { haproxyCloudConfig } from './haproxy.js';
import { isPlaceholderAddress, type VmsHost, type VmsInventory } from './hosts.js';
import { renderNftables } from './nftables.js';
import { sshMachine } from './ssh-machine.js';
import { ZoneFile } from './zone-file.js';

export interface VmsPlatformProps {
  /** Existing hosts per role, see `validateInventory`. */
  readonly hosts: VmsInventory;
  /** DNS zone the deployment's names live in; records are written out as a zone file. @default 'smc.internal' */
  readonly dnsZone?: string;
}

/** Which zone each role's hosts sit in, for firewall sources. */
const ZONE_OF_ROLE: Readonly<Record<HostRole, Zone>> = {
  server: 'server',
  loadBalancer: 'server',
  database: 'database',
  proxy: 'proxy',
  mdm: 'mdm',
};

/**
 * Existing hosts over SSH. Each host gets one null_resource with file and remote-exec
 * provisioners running the same configuration cloud-init would; `cloudInitDocuments` keeps
 * each host's `#cloud-config` so the same hosts can be built on any hypervisor instead.
 * There is no secret store: generated secrets live in Terraform state (sensitive) and reach
 * hosts over SSH only.
 */
export class VmsPlatform extends Construct implements Platform {
  readonly kind = 'vms' as const;
  readonly dnsZone: string;
  readonly supportsManagedPostgres = false;
  readonly dnsNote: string;
  readonly hosts: VmsInventory;
  private rules: readonly FirewallRule[] = [];
  private readonly documents = new Map<string, string>();
  private readonly zoneFile: ZoneFile;

  constructor(scope: Construct, id: string, props: VmsPlatformProps) {
    super(scope, id);
    this.hosts = props.hosts;
    this.dnsZone = validateDnsZone(props.dnsZone ?? 'smc.internal');
    this.dnsNote = `add the records of the dns_zone_file output to the ${this.dnsZone} zone of your DNS server`;
    ensureProvider(this, 'null', (stack) => new NullProvider(stack, 'null'));
    this.zoneFile = new ZoneFile(this.dnsZone);
    new TerraformOutput(this, 'dns_zone_file', {
      description: `Records for the ${this.dnsZone} zone (BIND syntax); agents find the server through them`,
      value: Lazy.stringValue({ produce: () => this.zoneFile.render() }),
    }).overrideLogicalId('dns_zone_file');
  }

  /** True when any host comes from the documentation ranges (the default without a hosts file). */
  get usesPlaceholders(): boolean {
    return Object.values(this.hosts).some((list) =>
      list?.some((h) => isPlaceholderAddress(h.address)),
    );
  }

  /** Each configured host's `#cloud-config`, by host name (secrets listed, not included). */
  get cloudInitDocuments(): ReadonlyMap<string, string> {
    return this.documents;
  }

  network(_scope: Construct, _id: string, spec: NetworkSpec): NetworkHandle {
    this.rules = spec.rules;
    const all = Object.values(this.hosts).flatMap(
      (list) => list?.map((h) => `${h.address}/32`) ?? [],
    );
    return { cidrsOf: (zone) => this.cidrsOf(zone), addressSpace: all };
  }

  machine(scope: Construct, id: string, spec: MachineSpec): MachineHandle {
    const host = this.hostFor(spec.role, spec.index);
    const nftables = renderNftables(spec.hostname, spec.zone, this.rules, (zone) =>
      this.cidrsOf(zone),
    );
    const config = mergeCloudConfigs(firewallCloudConfig(nftables), spec.cloudConfig);
    this.documents.set(
      spec.hostname,
      renderCloudConfigYaml(config, [
        `smc-kit ${spec.role} host ${spec.hostname}.${this.dnsZone}`,
        'Place these secret files (mode 0600) before first boot; the services retry until they exist:',
        ...spec.secretFiles.map(
          (f) => `  ${f.path} (owner ${f.owner ?? 'root:root'}): secret ${f.secret.name}`,
        ),
      ]),
    );
    sshMachine(scope, id, {
      hostname: spec.hostname,
      host,
      bootstrapScript: renderBootstrapScript(config),
      secretFiles: spec.secretFiles,
    });
    this.zoneFile.add({ kind: 'A', name: spec.hostname, addresses: [host.address] });
    return {
      hostname: spec.hostname,
      fqdn: `${spec.hostname}.${this.dnsZone}`,
      privateAddress: host.address,
    };
  }

  managedPostgres(): ManagedPostgresHandle {
    throw new PropsError(
      'database.placement',
      "must be 'server-host' or 'dedicated-host' on vms: existing hosts have no managed PostgreSQL",
      'managed',
    );
  }

  loadBalancer(scope: Construct, id: string, spec: LoadBalancerSpec): LoadBalancerHandle {
    const handle = this.machine(scope, id, {
      role: 'loadBalancer',
      index: 1,
      hostname: spec.name,
      zone: spec.zone,
      shape: { cores: 2, memoryGiB: 2, diskGiB: 20 },
      cloudConfig: haproxyCloudConfig(spec.ports, spec.backends),
      secretFiles: [],
    });
    return { privateAddress: handle.privateAddress };
  }

  dnsRecord(_scope: Construct, _id: string, record: DnsRecord): void {
    this.zoneFile.add(record);
  }

  secret(_scope: Construct, _id: string, spec: SecretSpec): SecretHandle {
    return { name: spec.name, value: spec.value };
  }

  private cidrsOf(zone: Zone): readonly string[] {
    return (Object.keys(this.hosts) as HostRole[])
      .filter((role) => ZONE_OF_ROLE[role] === zone)
      .flatMap((role) => this.hosts[role]?.map((h) => `${h.address}/32`) ?? []);
  }

  private hostFor(role: HostRole, index: number): VmsHost {
    const list = this.hosts[role] ?? [];
    const host = list[index - 1];
    if (!host) {
      throw new PropsError(
        `hosts.${role}`,
        `must list at least ${index} host(s) for this plan`,
        list.length === 0 ? undefined : `${list.length}`,
      );
    }
    return host;
  }
}
