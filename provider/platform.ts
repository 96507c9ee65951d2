import type { Construct } from 'constructs';
import type { CloudConfig } from './cloud-init.js';

/**
 * What the roles need from a target, and nothing more. `provider/azure` maps it to azurerm
 * resources, `provider/vms` to existing hosts over SSH. Constructs only ever see this file.
 */

export type PlatformKind = 'azure' | 'vms';

/**
 * A network segment holding one kind of host; firewall rules are written per zone. New zones
 * go at the end: Azure numbers each zone's subnet by its place here.
 */
export type Zone = 'server' | 'database' | 'proxy' | 'mdm' | 'sensor';
export const ZONES: readonly Zone[] = ['server', 'database', 'proxy', 'mdm', 'sensor'];

export type HostRole = 'server' | 'database' | 'proxy' | 'mdm' | 'loadBalancer' | 'sensor';

/** What a firewall rule admits: TCP connections, or UDP datagrams (DHCP the sensor hears). */
export type TransportProtocol = 'tcp' | 'udp';

/** Where allowed traffic comes from: hosts of a zone, or named address ranges. */
export type TrafficSource =
  | { readonly kind: 'zone'; readonly zone: Zone }
  | { readonly kind: 'cidrs'; readonly label: string; readonly cidrs: readonly string[] };

/** One allowed inbound flow; everything not allowed is dropped. */
export interface FirewallRule {
  /** Stable, unique, lower-case with hyphens; the rule's name on every platform. */
  readonly name: string;
  readonly port: number;
  readonly protocol: TransportProtocol;
  readonly to: Zone;
  readonly from: TrafficSource;
  readonly purpose: string;
}

export interface NetworkSpec {
  readonly zones: readonly Zone[];
  readonly rules: readonly FirewallRule[];
  /**
   * The managed database the database zone holds: Azure delegates the zone's subnet to
   * Flexible Server for 'postgresql', and keeps it free for private endpoints for 'citus'
   * (a delegated subnet hosts nothing else). @default 'postgresql'
   */
  readonly managedDatabase?: DatabaseEngine;
}

/** PostgreSQL on one server, or Citus (sharded PostgreSQL) on a managed cluster. */
export type DatabaseEngine = 'postgresql' | 'citus';

export interface NetworkHandle {
  /** Address ranges of a zone (subnet on Azure, host /32s on vms). */
  cidrsOf(zone: Zone): readonly string[];
  /** The whole private address space. */
  readonly addressSpace: readonly string[];
}

/** A value kept out of plans' plain text and outputs; `value` is a sensitive reference. */
export interface SecretHandle {
  readonly name: string;
  readonly value: string;
}

export interface SecretSpec {
  /** Lower-case letters, digits and hyphens. */
  readonly name: string;
  readonly value: string;
  /** What the value is, e.g. 'application/x-pem-file'. */
  readonly contentType: string;
}

/** A file whose content is a secret; each platform delivers it without putting it in user data. */
export interface SecretFile {
  readonly path: string;
  readonly secret: SecretHandle;
  /** user:group. @default 'root:root' */
  readonly owner?: string;
}

export interface MachineShape {
  readonly cores: number;
  readonly memoryGiB: number;
  readonly diskGiB: number;
}

export interface MachineSpec {
  readonly role: HostRole;
  /** 1-based position among the role's hosts. */
  readonly index: number;
  /** Short host name, e.g. 'smc-server-1'; the DNS name is `${hostname}.${dnsZone}`. */
  readonly hostname: string;
  readonly zone: Zone;
  /**
   * Proxies and sensors only: the branch office the host serves (on vms, the hosts listed for
   * it). A sensor without one watches the main site.
   */
  readonly office?: string;
  readonly shape: MachineShape;
  /** Azure size from the plan; other platforms use the shape only. */
  readonly azureVmSize?: string;
  /** Spread an HA pair over availability zones where the platform has them. */
  readonly availabilityZone?: '1' | '2' | '3';
  readonly cloudConfig: CloudConfig;
  readonly secretFiles: readonly SecretFile[];
  /**
   * The host (by hostname, built before on this platform) this one rolls after: a change that
   * replaces or reconfigures both is applied to that one first and to this one only when it is
   * done, so one node of an HA pair always serves (a rolling upgrade). vms: this host's
   * provisioner resource depends on the other's; Azure: this VM depends on the other VM.
   * @default none (applied in parallel)
   */
  readonly rollsAfter?: string;
}

export interface MachineHandle {
  readonly hostname: string;
  readonly fqdn: string;
  readonly privateAddress: string;
}

export interface PostgresSettings {
  readonly [name: string]: string;
}

export interface ManagedPostgresSpec {
  readonly name: string;
  readonly skuName: string;
  readonly storageGiB: number;
  readonly highAvailability: boolean;
  readonly version: string;
  readonly backupRetentionDays: number;
  readonly geoRedundantBackup: boolean;
  readonly administratorLogin: string;
  readonly administratorPassword: SecretHandle;
  readonly databaseName: string;
  readonly settings: PostgresSettings;
}

/** A managed Citus cluster (Azure Cosmos DB for PostgreSQL), reached by a private endpoint. */
export interface ManagedCitusSpec {
  readonly name: string;
  readonly coordinator: { readonly vCores: number; readonly storageGiB: number };
  readonly workers: {
    readonly count: number;
    readonly vCores: number;
    readonly storageGiB: number;
  };
  /** A standby per node. */
  readonly highAvailability: boolean;
  /** PostgreSQL major version. */
  readonly version: string;
  /** The coordinator's password; the login and database are always `citus`. */
  readonly administratorPassword: SecretHandle;
}

export interface ManagedPostgresHandle {
  readonly host: string;
  readonly port: number;
}

export interface LoadBalancerSpec {
  readonly name: string;
  readonly zone: Zone;
  /** TCP ports passed through unchanged, so TLS (and client certificates) stay end to end. */
  readonly ports: readonly number[];
  /** A backend takes traffic on every port while this HTTPS route answers 200. */
  readonly health: { readonly port: number; readonly path: string };
  readonly backends: readonly MachineHandle[];
}

export interface LoadBalancerHandle {
  readonly privateAddress: string;
}

export type DnsRecord =
  | { readonly kind: 'A'; readonly name: string; readonly addresses: readonly string[] }
  | {
      readonly kind: 'SRV';
      /** e.g. '_smc-agent._tcp' */
      readonly name: string;
      readonly targets: readonly {
        readonly host: string;
        readonly port: number;
        readonly priority: number;
        readonly weight: number;
      }[];
    };

export interface Platform {
  readonly kind: PlatformKind;
  /** Private DNS zone the deployment's names live in. */
  readonly dnsZone: string;
  /** Whether `managedPostgres` is available; otherwise PostgreSQL runs on hosts. */
  readonly supportsManagedPostgres: boolean;
  /** How agents reach the server's DNS names without the platform's resolver, for notes. */
  readonly dnsNote: string;
  /**
   * Whether office proxies are machines of this platform. When false (Azure with on-premises
   * proxies) `machine()` for a proxy only renders its cloud-init document, and the server
   * accepts the proxies from the offices' address ranges instead of a proxy zone.
   */
  readonly placesOfficeProxies: boolean;
  /**
   * `#cloud-config` documents to write beside the Terraform, by host name: hosts the platform
   * does not build itself (on-premises proxies), or every host where any hypervisor may run them.
   */
  readonly cloudInitDocuments: ReadonlyMap<string, string>;
  /** Names of the generated secrets; all of them are also in Terraform state (sensitive). */
  readonly secretNames: readonly string[];

  network(scope: Construct, id: string, spec: NetworkSpec): NetworkHandle;
  machine(scope: Construct, id: string, spec: MachineSpec): MachineHandle;
  managedPostgres(scope: Construct, id: string, spec: ManagedPostgresSpec): ManagedPostgresHandle;
  /** Where offered (Azure): a Citus cluster; its handle's host is the coordinator's name. */
  managedCitus?(scope: Construct, id: string, spec: ManagedCitusSpec): ManagedPostgresHandle;
  loadBalancer(scope: Construct, id: string, spec: LoadBalancerSpec): LoadBalancerHandle;
  dnsRecord(scope: Construct, id: string, record: DnsRecord): void;
  secret(scope: Construct, id: string, spec: SecretSpec): SecretHandle;
}
