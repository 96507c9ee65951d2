import { Aspects, TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import type { Platform, Zone } from '../provider/platform.js';
import { PropsError } from '../provider/props-error.js';
import { planDeployment, type SizingInput, type SizingPlan } from '../sizing/index.js';
import type { ArtifactProps } from './artifact.js';
import { resolveArtifact } from './artifact.js';
import { TaggingAspect, validateTags } from './aspects/tagging.js';
import { AgentCertificateAuthority } from './certificate-authority.js';
import { PRIVATE_RANGES, validateCidrs } from './cidrs.js';
import { Database, type DatabaseProps } from './database.js';
import { HttpProxy, type ProxyFlavor } from './http-proxy.js';
import { AGENT_PORT, ManagementServer } from './management-server.js';
import { MobileDeviceConnector } from './mobile-device-connector.js';
import { Network } from './network.js';
import { type OfficeProps, type ResolvedOffice, resolveOffices } from './offices.js';
import { RogueDetectionSensor } from './rd-sensor.js';

/** Which networks get a Rogue Detection Sensor. */
export type SensorPlacement = 'per-network' | 'main-site' | 'none';
export const SENSOR_PLACEMENTS: readonly SensorPlacement[] = ['per-network', 'main-site', 'none'];

export interface SmcDeploymentProps extends ArtifactProps {
  readonly platform: Platform;
  /** The push service for wake-up calls on the server hosts (ManagementServerProps.push). @default 'mosquitto' */
  readonly push?: 'mosquitto' | 'embedded' | 'none';
  /** Server hosts of an HA pair replaced one after the other (ManagementServerProps.rollingUpgrade). @default true */
  readonly rollingUpgrade?: boolean;
  /** A plan from `planDeployment`. Give this or `sizing`. */
  readonly plan?: SizingPlan;
  /** Plan inputs (clients, officeClients, ...); the platform is taken from `platform`. Give this or `plan`. */
  readonly sizing?: Omit<SizingInput, 'platform'>;
  /** Networks the agents at the main site connect from (straight to the server). @default RFC 1918 ranges */
  readonly agentCidrs?: readonly string[];
  /** Networks administrators connect from; never the whole internet. @default RFC 1918 ranges */
  readonly adminCidrs?: readonly string[];
  /** Networks mobile devices connect from. @default agentCidrs */
  readonly deviceCidrs?: readonly string[];
  /**
   * The plan's branch offices as sites, in plan order (head-counts come from the plan's
   * `officeClients`). @default each office named `office-<n>`, its agents in agentCidrs
   */
  readonly offices?: readonly OfficeProps[];
  readonly proxy?: {
    /** @default 'apache' */
    readonly flavor?: ProxyFlavor;
    /** @default [] */
    readonly updateHosts?: readonly string[];
    /** Disk cache of each proxy in GiB. @default half its disk */
    readonly cacheGiB?: number;
  };
  readonly database?: Pick<
    DatabaseProps,
    | 'version'
    | 'backupRetentionDays'
    | 'geoRedundantBackup'
    | 'skuName'
    | 'backupCopyTarget'
    | 'engine'
  >;
  readonly rogueDetection?: {
    /**
     * One sensor per network (the main site and each office, as the plan counts them), the
     * main site's only (e.g. Azure with on-premises offices: an office sensor in the VNet hears
     * none of the office's broadcasts), or none. @default 'per-network'
     */
    readonly sensors?: SensorPlacement;
    /** The interface every sensor watches. @default every interface of its host */
    readonly interface?: string;
  };
  /** Tags on every taggable resource, beside `managed-by` and `smc-tier`. @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The whole deployment from a sizing plan: network and rules, CA, database, server (or HA
 * pair behind a load balancer), each office's proxies and the MDM connector, with outputs for
 * what agents and admins need. Secrets appear only in outputs marked sensitive.
 */
export class SmcDeployment extends Construct {
  readonly plan: SizingPlan;
  readonly network: Network;
  readonly certificateAuthority: AgentCertificateAuthority;
  readonly database: Database;
  readonly server: ManagementServer;
  /** One construct per office, in plan order. */
  readonly proxies: readonly HttpProxy[];
  readonly offices: readonly ResolvedOffice[];
  readonly mobileDeviceConnector: MobileDeviceConnector | undefined;
  /** Rogue Detection Sensors: the main site's first, then the offices' in plan order. */
  readonly sensors: readonly RogueDetectionSensor[];

  constructor(scope: Construct, id: string, props: SmcDeploymentProps) {
    super(scope, id);
    const { platform } = props;
    this.plan = resolvePlan(props);
    const plan = this.plan;
    // Validate the cheap props before any resource exists, so errors name the prop.
    const artifact = resolveArtifact(props);
    const tags = validateTags({
      'managed-by': 'smc-kit',
      'smc-tier': plan.tier.id,
      ...(props.tags ?? {}),
    });
    const agentCidrs = props.agentCidrs
      ? validateCidrs('agentCidrs', props.agentCidrs, { administrative: false })
      : undefined;
    this.offices = resolveOffices(plan, props.offices, {
      agentCidrs: agentCidrs ?? PRIVATE_RANGES,
      flavor: props.proxy?.flavor,
    });

    const sensorPlacement = props.rogueDetection?.sensors ?? 'per-network';
    if (!SENSOR_PLACEMENTS.includes(sensorPlacement)) {
      throw new PropsError(
        'rogueDetection.sensors',
        `must be one of ${SENSOR_PLACEMENTS.map((p) => `'${p}'`).join(', ')}`,
        sensorPlacement,
      );
    }

    const placement = plan.placement.database;
    const hasMdm = plan.input.mobileDevices > 0;
    const hostZones: Zone[] = [
      'server',
      ...(placement === 'dedicated-host' ? ['database' as const] : []),
      ...(this.offices.length > 0 ? ['proxy' as const] : []),
      ...(hasMdm ? ['mdm' as const] : []),
      ...(sensorPlacement !== 'none' ? ['sensor' as const] : []),
    ];
    const zones: Zone[] = placement === 'managed' ? [...hostZones, 'database'] : hostZones;
    const databaseZone: Zone | null =
      placement === 'server-host' ? (hasMdm ? 'server' : null) : 'database';
    const union = (lists: readonly (readonly string[])[]) => [...new Set(lists.flat())];

    // The prop, else what the plan chose (a plan made with databaseEngine 'citus').
    const databaseEngine = props.database?.engine ?? planDatabaseEngine(plan);
    this.network = new Network(this, 'Network', {
      platform,
      zones,
      hostZones,
      databaseZone,
      serverPeers: plan.placement.serverCount > 1,
      ...(databaseEngine === 'citus' ? { databaseEngine } : {}),
      ...(agentCidrs ? { agentCidrs } : {}),
      ...(props.adminCidrs ? { adminCidrs: props.adminCidrs } : {}),
      ...(props.deviceCidrs ? { deviceCidrs: props.deviceCidrs } : {}),
      ...(this.offices.length > 0
        ? { officeAgentCidrs: union(this.offices.map((o) => o.agentCidrs)) }
        : {}),
      ...(this.offices.length > 0 && !platform.placesOfficeProxies
        ? { officeProxyCidrs: union(this.offices.map((o) => o.proxyCidrs)) }
        : {}),
    });
    const cidrsOf = (zone: Zone) => (zones.includes(zone) ? this.network.handle.cidrsOf(zone) : []);

    this.certificateAuthority = new AgentCertificateAuthority(this, 'CertificateAuthority', {
      platform,
    });
    this.database = new Database(this, 'Database', {
      platform,
      plan,
      certificateAuthority: this.certificateAuthority,
      clientCidrs:
        placement === 'server-host' ? cidrsOf('mdm') : [...cidrsOf('server'), ...cidrsOf('mdm')],
      databaseCidrs: cidrsOf('database'),
      ...props.database,
      engine: databaseEngine,
    });
    const artifactProps: ArtifactProps = {
      version: artifact.version,
      artifact: artifact.artifact,
      nodeVersion: artifact.nodeVersion,
      nodeMirror: artifact.nodeMirror,
      ...(artifact.npmRegistry ? { npmRegistry: artifact.npmRegistry } : {}),
    };
    this.server = new ManagementServer(this, 'Server', {
      platform,
      plan,
      certificateAuthority: this.certificateAuthority,
      database: this.database,
      ...(props.push ? { push: props.push } : {}),
      ...(props.rollingUpgrade !== undefined ? { rollingUpgrade: props.rollingUpgrade } : {}),
      ...artifactProps,
    });
    this.proxies = this.offices.map(
      (office) =>
        new HttpProxy(this, `Proxies-${office.name}`, {
          platform,
          plan,
          office: { name: office.name, index: office.index },
          serverNames: this.server.dnsNames,
          serverPort: AGENT_PORT,
          agentCidrs: office.agentCidrs,
          flavor: office.proxyFlavor,
          ...(office.proxies !== undefined ? { count: office.proxies } : {}),
          ...(props.proxy?.updateHosts ? { updateHosts: props.proxy.updateHosts } : {}),
          ...(props.proxy?.cacheGiB !== undefined ? { cacheGiB: props.proxy.cacheGiB } : {}),
        }),
    );
    this.mobileDeviceConnector = hasMdm
      ? new MobileDeviceConnector(this, 'MobileDeviceConnector', {
          platform,
          plan,
          certificateAuthority: this.certificateAuthority,
          database: this.database,
          serverUrl: this.server.agentUrl,
          ...artifactProps,
        })
      : undefined;
    const sensorNetworks =
      sensorPlacement === 'none'
        ? []
        : [undefined, ...(sensorPlacement === 'per-network' ? this.offices : [])];
    this.sensors = sensorNetworks.map(
      (office) =>
        new RogueDetectionSensor(this, office ? `RdSensor-${office.name}` : 'RdSensor', {
          platform,
          plan,
          certificateAuthority: this.certificateAuthority,
          serverUrl: this.server.agentUrl,
          ...(office ? { office: { name: office.name, index: office.index } } : {}),
          ...(props.rogueDetection?.interface !== undefined
            ? { interface: props.rogueDetection.interface }
            : {}),
          ...artifactProps,
        }),
    );

    Aspects.of(this).add(new TaggingAspect(tags));
    // Both platforms are constructs holding shared resources (resource group, vault, zone).
    if (Construct.isConstruct(platform)) Aspects.of(platform).add(new TaggingAspect(tags));
    this.outputs();
  }

  private outputs(): void {
    // Plain output names (`terraform output agent_url`), not path-derived ids.
    const output = (
      id: string,
      value: unknown,
      description: string,
      options: { sensitive?: boolean } = {},
    ) => new TerraformOutput(this, id, { value, description, ...options }).overrideLogicalId(id);
    output('agent_url', this.server.agentUrl, 'Where agents replicate (mutual TLS, HTTP/2)');
    output('console_url', this.server.consoleUrl, 'Web console and server API (HTTPS)');
    output(
      'agent_srv_record',
      `_smc-agent._tcp.${this.server.serviceFqdn.split('.').slice(1).join('.')}`,
      'SRV record agents look up to find the server',
    );
    output(
      'dns_names',
      [
        ...this.server.dnsNames,
        ...(this.mobileDeviceConnector ? [this.mobileDeviceConnector.host.fqdn] : []),
      ],
      'Names the certificates cover',
    );
    output(
      'proxy_addresses',
      this.proxies.flatMap((p) => p.addresses),
      'HTTP proxies (host:3128) for agents in branch offices',
    );
    output(
      'office_proxies',
      Object.fromEntries(this.proxies.map((p) => [p.officeName, [...p.addresses]])),
      'Each office and the proxies (host:3128) its agents use',
    );
    output(
      'rd_sensor_hosts',
      this.sensors.map((s) => s.host.fqdn),
      'Rogue Detection Sensors (smc rd-sensor), the main site first, then each office in order',
    );
    output(
      'server_address',
      this.server.serviceAddress,
      'Private address agents reach the server at',
    );
    output(
      'agent_ca_certificate',
      this.certificateAuthority.caCertificatePem,
      'The CA certificate agents trust (public)',
    );
    output(
      'admin_token',
      this.server.adminToken.value,
      'Bearer token of the console API (terraform output -raw admin_token); also in the platform secret store as admin-token where it has one',
      { sensitive: true },
    );
    const mdm = this.mobileDeviceConnector;
    if (mdm) {
      output('mdm_enrollment_url', mdm.enrollmentUrl, 'Mobile device enrollment');
      output('mdm_device_url', mdm.deviceUrl, 'Mobile device check-ins (mutual TLS)');
      output(
        'mdm_ca_certificate',
        mdm.deviceCaCertificatePem,
        'The device CA phones trust for both MDM ports (public)',
      );
      output('mdm_relay_agent_id', mdm.relayAgentId, "The connector's agent id at the server");
      output(
        'mdm_admin_token',
        mdm.adminToken.value,
        "Bearer token of the connector's console API (MDM enrollment tokens)",
        { sensitive: true },
      );
    }
  }
}

function resolvePlan(props: SmcDeploymentProps): SizingPlan {
  if (props.plan && props.sizing)
    throw new PropsError('plan', 'give either plan or sizing, not both');
  if (props.plan) {
    if (props.plan.input.platform !== props.platform.kind) {
      throw new PropsError(
        'plan.input.platform',
        `must match the platform (${props.platform.kind}); re-plan with platform '${props.platform.kind}'`,
        props.plan.input.platform,
      );
    }
    return props.plan;
  }
  if (!props.sizing)
    throw new PropsError(
      'plan',
      'give a plan (planDeployment) or sizing inputs ({ clients, ... })',
    );
  return planDeployment({
    ...props.sizing,
    platform: props.platform.kind,
    // The engine sizes the database: a Citus cluster may outgrow one Flexible Server's disk.
    ...(props.database?.engine && props.sizing.databaseEngine === undefined
      ? { databaseEngine: props.database.engine }
      : {}),
  });
}

function planDatabaseEngine(plan: SizingPlan): 'postgresql' | 'citus' {
  const database = plan.machines.find((m) => m.role === 'database');
  return database?.azure?.kind === 'cosmosdb-postgresql-cluster' ? 'citus' : 'postgresql';
}
