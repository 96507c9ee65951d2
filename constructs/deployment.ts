import { Aspects, TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import type { Platform, Zone } from '../provider/platform.js';
import { PropsError } from '../provider/props-error.js';
import { planDeployment, type SizingInput, type SizingPlan } from '../sizing/index.js';
import { type ArtifactProps, resolveArtifact } from './artifact.js';
import { TaggingAspect, validateTags } from './aspects/tagging.js';
import { AgentCertificateAuthority } from './certificate-authority.js';
import { Database, type DatabaseProps } from './database.js';
import { HttpProxy, type ProxyFlavor } from './http-proxy.js';
import { AGENT_PORT, ManagementServer } from './management-server.js';
import { MobileDeviceConnector } from './mobile-device-connector.js';
import { Network } from './network.js';

export interface SmcDeploymentProps extends ArtifactProps {
  readonly platform: Platform;
  /** A plan from `planDeployment`. Give this or `sizing`. */
  readonly plan?: SizingPlan;
  /** Plan inputs (clients, offices, ...); the platform is taken from `platform`. Give this or `plan`. */
  readonly sizing?: Omit<SizingInput, 'platform'>;
  /** Networks the agents connect from. @default RFC 1918 ranges */
  readonly agentCidrs?: readonly string[];
  /** Networks administrators connect from; never the whole internet. @default RFC 1918 ranges */
  readonly adminCidrs?: readonly string[];
  /** Networks mobile devices connect from. @default agentCidrs */
  readonly deviceCidrs?: readonly string[];
  readonly proxy?: {
    /** @default 'apache' */
    readonly flavor?: ProxyFlavor;
    /** @default the plan's count */
    readonly count?: number;
    /** @default [] */
    readonly updateHosts?: readonly string[];
  };
  readonly database?: Pick<
    DatabaseProps,
    'version' | 'backupRetentionDays' | 'geoRedundantBackup' | 'skuName'
  >;
  /** Tags on every taggable resource, beside `managed-by` and `smc-tier`. @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The whole deployment from a sizing plan: network and rules, CA, database, server (or HA
 * pair behind a load balancer), office proxies and the MDM connector, with outputs for what
 * agents and admins need. Secrets never appear in outputs.
 */
export class SmcDeployment extends Construct {
  readonly plan: SizingPlan;
  readonly network: Network;
  readonly certificateAuthority: AgentCertificateAuthority;
  readonly database: Database;
  readonly server: ManagementServer;
  readonly proxies: HttpProxy;
  readonly mobileDeviceConnector: MobileDeviceConnector | undefined;

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

    const placement = plan.placement.database;
    const hasMdm = plan.input.mobileDevices > 0;
    const hostZones: Zone[] = [
      'server',
      ...(placement === 'dedicated-host' ? ['database' as const] : []),
      ...(plan.proxies.count > 0 || (props.proxy?.count ?? 0) > 0 ? ['proxy' as const] : []),
      ...(hasMdm ? ['mdm' as const] : []),
    ];
    const zones: Zone[] = placement === 'managed' ? [...hostZones, 'database'] : hostZones;
    const databaseZone: Zone | null =
      placement === 'server-host' ? (hasMdm ? 'server' : null) : 'database';

    this.network = new Network(this, 'Network', {
      platform,
      zones,
      hostZones,
      databaseZone,
      serverPeers: plan.placement.serverCount > 1,
      ...(props.agentCidrs ? { agentCidrs: props.agentCidrs } : {}),
      ...(props.adminCidrs ? { adminCidrs: props.adminCidrs } : {}),
      ...(props.deviceCidrs ? { deviceCidrs: props.deviceCidrs } : {}),
    });
    const cidrsOf = (zone: Zone) => (zones.includes(zone) ? this.network.handle.cidrsOf(zone) : []);

    this.certificateAuthority = new AgentCertificateAuthority(this, 'CertificateAuthority', {
      platform,
    });
    this.database = new Database(this, 'Database', {
      platform,
      plan,
      clientCidrs:
        placement === 'server-host' ? cidrsOf('mdm') : [...cidrsOf('server'), ...cidrsOf('mdm')],
      databaseCidrs: cidrsOf('database'),
      ...props.database,
    });
    this.server = new ManagementServer(this, 'Server', {
      platform,
      plan,
      certificateAuthority: this.certificateAuthority,
      database: this.database,
      ...artifact,
    });
    this.proxies = new HttpProxy(this, 'Proxies', {
      platform,
      plan,
      serverNames: this.server.dnsNames,
      serverPort: AGENT_PORT,
      agentCidrs: this.network.agentCidrs,
      ...(props.proxy?.flavor ? { flavor: props.proxy.flavor } : {}),
      ...(props.proxy?.count !== undefined ? { count: props.proxy.count } : {}),
      ...(props.proxy?.updateHosts ? { updateHosts: props.proxy.updateHosts } : {}),
    });
    this.mobileDeviceConnector = hasMdm
      ? new MobileDeviceConnector(this, 'MobileDeviceConnector', {
          platform,
          plan,
          certificateAuthority: this.certificateAuthority,
          database: this.database,
          databaseHost: this.database.host ?? this.server.hosts[0]?.privateAddress ?? '',
          ...artifact,
        })
      : undefined;

    Aspects.of(this).add(new TaggingAspect(tags));
    // Both platforms are constructs holding shared resources (resource group, vault, zone).
    if (Construct.isConstruct(platform)) Aspects.of(platform).add(new TaggingAspect(tags));
    this.outputs();
  }

  private outputs(): void {
    // Plain output names (`terraform output agent_url`), not path-derived ids.
    const output = (id: string, value: string | readonly string[], description: string) =>
      new TerraformOutput(this, id, { value, description }).overrideLogicalId(id);
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
      [...this.proxies.addresses],
      'HTTP proxies (host:3128) for agents in branch offices',
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
    if (this.mobileDeviceConnector) {
      output(
        'mdm_enrollment_url',
        this.mobileDeviceConnector.enrollmentUrl,
        'Mobile device enrollment',
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
  return planDeployment({ ...props.sizing, platform: props.platform.kind });
}
