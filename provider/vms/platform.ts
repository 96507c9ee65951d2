import { NullProvider } from '@cdktf/provider-null/lib/provider/index.js';
import { type ITerraformDependable, Lazy, TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { mergeCloudConfigs, renderBootstrapScript, renderCloudConfigYaml } from '../cloud-init.js';
import { validateDnsZone } from '../dns-zone.js';
import { withHostFirewall } from '../host-firewall/index.js';
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
import { etcHostsCloudConfig } from './etc-hosts.js';
import { haproxyCloudConfig } from './haproxy.js';
import { isPlaceholderAddress, type VmsHost, type VmsInventory } from './hosts.js';
import { sshMachine } from './ssh-machine.js';
import { ZoneFile } from './zone-file.js';

export interface VmsPlatformProps {
  /** Existing hosts per role, see `validateInventory`. */
  readonly hosts: VmsInventory;
  /** DNS zone the deployment's names live in; records are written out as a zone file. @default 'smc.internal' */
  readonly dnsZone?: string;
  /**
   * Write the deployment's names into a marked block of each host's /etc/hosts, so the hosts
   * reach each other before (or without) the site's DNS serving the zone. @default true
   */
  readonly etcHosts?: boolean;
}

/** Which zone each role's hosts sit in, for firewall sources. */
const ZONE_OF_ROLE: Readonly<Record<HostRole, Zone>> = {
  server: 'server',
  loadBalancer: 'server',
  database: 'database',
  proxy: 'proxy',
  mdm: 'mdm',
  sensor: 'sensor',
};

interface PlacedMachine {
  readonly spec: MachineSpec;
  readonly host: VmsHost;
}

/**
 * Existing hosts over SSH. Each host gets one null_resource with file and remote-exec
 * provisioners running the same configuration cloud-init would; `cloudInitDocuments` keeps
 * each host's `#cloud-config` so the same hosts can be built on any hypervisor instead.
 * There is no secret store: generated secrets live in Terraform state (sensitive) and reach
 * hosts over SSH only. Host configurations are rendered at synth, once every host exists,
 * because each one names all of them (/etc/hosts) and its firewall's sources.
 */
export class VmsPlatform extends Construct implements Platform {
  readonly kind = 'vms' as const;
  readonly dnsZone: string;
  readonly supportsManagedPostgres = false;
  readonly placesOfficeProxies = true;
  readonly dnsNote: string;
  readonly hosts: VmsInventory;
  private rules: readonly FirewallRule[] = [];
  private readonly placed = new Map<string, PlacedMachine>();
  /** Each host's provisioner resource, for hosts that roll after it. */
  private readonly provisioners = new Map<string, ITerraformDependable>();
  private readonly zoneFile: ZoneFile;
  private readonly etcHosts: boolean;
  private readonly usedProxyHosts = new Set<VmsHost>();
  private readonly usedSensorHosts = new Set<VmsHost>();
  private readonly secretNameList: string[] = [];

  constructor(scope: Construct, id: string, props: VmsPlatformProps) {
    super(scope, id);
    this.hosts = props.hosts;
    this.dnsZone = validateDnsZone(props.dnsZone ?? 'smc.internal');
    this.etcHosts = props.etcHosts ?? true;
    this.dnsNote = `add the records of the dns_zone_file output to the ${this.dnsZone} zone of your DNS server (agents find the server through it${this.etcHosts ? '; the hosts themselves also get them in /etc/hosts' : ''})`;
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
    return new Map(
      [...this.placed.values()].map(({ spec }) => [
        spec.hostname,
        renderCloudConfigYaml(this.configOf(spec), [
          `smc-kit ${spec.role} host ${spec.hostname}.${this.dnsZone}`,
          'Place these secret files (mode 0600) before first boot; the services retry until they exist:',
          ...spec.secretFiles.map(
            (f) => `  ${f.path} (owner ${f.owner ?? 'root:root'}): secret ${f.secret.name}`,
          ),
        ]),
      ]),
    );
  }

  /** Names of the secrets generated for this deployment (all of them live in state). */
  get secretNames(): readonly string[] {
    return this.secretNameList;
  }

  network(_scope: Construct, _id: string, spec: NetworkSpec): NetworkHandle {
    this.rules = spec.rules;
    const all = Object.values(this.hosts).flatMap(
      (list) => list?.map((h) => `${h.address}/32`) ?? [],
    );
    return { cidrsOf: (zone) => this.cidrsOf(zone), addressSpace: all };
  }

  machine(scope: Construct, id: string, spec: MachineSpec): MachineHandle {
    const host = this.hostFor(spec);
    this.placed.set(spec.hostname, { spec, host });
    const previous = spec.rollsAfter ? this.provisioners.get(spec.rollsAfter) : undefined;
    if (spec.rollsAfter && !previous)
      throw new PropsError(
        'rollsAfter',
        `must name a host built before ${spec.hostname}`,
        spec.rollsAfter,
      );
    const provisioner = sshMachine(scope, id, {
      hostname: spec.hostname,
      host,
      bootstrapScript: () => renderBootstrapScript(this.configOf(spec)),
      secretFiles: spec.secretFiles,
      ...(previous ? { dependsOn: [previous] } : {}),
    });
    this.provisioners.set(spec.hostname, provisioner);
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
      cloudConfig: haproxyCloudConfig(spec.ports, spec.backends, spec.health),
      secretFiles: [],
    });
    return { privateAddress: handle.privateAddress };
  }

  dnsRecord(_scope: Construct, _id: string, record: DnsRecord): void {
    this.zoneFile.add(record);
  }

  secret(_scope: Construct, _id: string, spec: SecretSpec): SecretHandle {
    this.secretNameList.push(spec.name);
    return { name: spec.name, value: spec.value };
  }

  /** Firewall first, then the deployment's names, then the role: what each host runs. */
  private configOf(spec: MachineSpec) {
    const role = this.etcHosts
      ? mergeCloudConfigs(
          etcHostsCloudConfig(this.dnsZone, this.zoneFile.addresses()),
          spec.cloudConfig,
        )
      : spec.cloudConfig;
    return withHostFirewall(
      spec.hostname,
      spec.zone,
      this.rules,
      (zone) => this.cidrsOf(zone),
      role,
    );
  }

  private cidrsOf(zone: Zone): readonly string[] {
    return (Object.keys(this.hosts) as HostRole[])
      .filter((role) => ZONE_OF_ROLE[role] === zone)
      .flatMap((role) => this.hosts[role]?.map((h) => `${h.address}/32`) ?? []);
  }

  private hostFor(spec: MachineSpec): VmsHost {
    const list = this.hosts[spec.role] ?? [];
    if (spec.role === 'proxy' && spec.office !== undefined) return this.proxyHostFor(spec, list);
    if (spec.role === 'sensor') return this.sensorHostFor(spec, list);
    const host = list[spec.index - 1];
    if (!host) {
      throw new PropsError(
        `hosts.${spec.role}`,
        `must list at least ${spec.index} host(s) for this plan`,
        list.length === 0 ? undefined : `${list.length}`,
      );
    }
    return host;
  }

  /** The office's own (tagged) hosts first, then untagged ones in office order. */
  private proxyHostFor(spec: MachineSpec, list: readonly VmsHost[]): VmsHost {
    const own = list.filter((h) => h.office === spec.office);
    const host =
      own[spec.index - 1] ??
      list.find((h) => h.office === undefined && !this.usedProxyHosts.has(h));
    if (!host) {
      throw new PropsError(
        'hosts.proxy',
        `must list a host for office ${spec.office} (its proxy ${spec.index}): tag one with "office": "${spec.office}" or list untagged proxy hosts in office order`,
        `${list.length} proxy host(s)`,
      );
    }
    this.usedProxyHosts.add(host);
    return host;
  }

  /**
   * A sensor must stand in the LAN it watches: an office's sensor takes the host tagged with
   * that office, else the next untagged one; the main site's (no office) the first untagged.
   */
  private sensorHostFor(spec: MachineSpec, list: readonly VmsHost[]): VmsHost {
    const free = (h: VmsHost) => !this.usedSensorHosts.has(h);
    const host =
      (spec.office !== undefined
        ? list.find((h) => h.office === spec.office && free(h))
        : undefined) ?? list.find((h) => h.office === undefined && free(h));
    if (!host) {
      const network = spec.office === undefined ? 'the main site' : `office ${spec.office}`;
      throw new PropsError(
        'hosts.sensor',
        `must list a host for the Rogue Detection Sensor of ${network}: ${spec.office === undefined ? 'an untagged sensor host (the main site takes the first)' : `tag one with "office": "${spec.office}" or list untagged sensor hosts in office order`}, or set rogueDetection.sensors to 'main-site' or 'none'`,
        `${list.length} sensor host(s)`,
      );
    }
    this.usedSensorHosts.add(host);
    return host;
  }
}
