import { Construct } from 'constructs';
import { mergeCloudConfigs } from '../provider/cloud-init.js';
import type { MachineHandle, Platform, SecretHandle } from '../provider/platform.js';
import { generatedPassword } from '../provider/secrets.js';
import { ADMIN_TOKEN_MIN_LENGTH, PUSH_PUBLISHER_CN } from '../server/pki/layout.js';
import type { SizingPlan } from '../sizing/index.js';
import { type ArtifactProps, resolveArtifact } from './artifact.js';
import type { AgentCertificateAuthority } from './certificate-authority.js';
import { mosquittoCloudConfig, PUSH_SECRETS } from './cloud-init/mosquitto.js';
import { nodeAndArtifactCloudConfig } from './cloud-init/node-runtime.js';
import { SERVER_ENV_FILE, SERVER_PKI, serverCloudConfig } from './cloud-init/server.js';
import type { Database } from './database.js';
import { planMachine, SERVER_HOSTNAME_PREFIX, vmSizeOf } from './plan-machines.js';

export const AGENT_PORT = 2222;
export const CONSOLE_PORT = 2223;
/** The push service for wake-up calls (guide: 8883/tcp). */
export const PUSH_PORT = 8883;

/** The console's unauthenticated liveness route; load balancers probe it. */
export const HEALTH_PATH = '/healthz';

export interface ManagementServerProps extends ArtifactProps {
  readonly platform: Platform;
  readonly plan: SizingPlan;
  readonly certificateAuthority: AgentCertificateAuthority;
  readonly database: Database;
  /** Short name agents and admins use, in the platform's DNS zone. @default 'smc' */
  readonly serviceName?: string;
  /**
   * The push service for wake-up calls on each server host: Eclipse Mosquitto from the
   * distribution (client certificates of the deployment CA, ACL by CN), which `smc serve`
   * publishes to; or `embedded`, the broker inside `smc serve`, or `none`.
   * @default 'mosquitto'
   */
  readonly push?: 'mosquitto' | 'embedded' | 'none';
  /**
   * The rolling order of an HA pair: each server host is replaced or reconfigured only after
   * the one before it is done (vms: its provisioners depend on the previous host's; Azure:
   * its VM on the previous VM), so the load balancer always has a node serving while the
   * other drains (`smc serve --drain`) and comes back. false: all hosts at once.
   * @default true
   */
  readonly rollingUpgrade?: boolean;
}

/**
 * The smc-kit server: one host, or the plan's HA pair behind a TCP load balancer, each running
 * `smc serve` under systemd with the database URL, the certificates and every name it answers
 * to. DNS gets an A record for the service name and SRV records agents and consoles look up.
 * The files it places are the server's own PKI layout (server/pki/layout.ts), including the
 * first admin token, which the deployment generates so the architect can read it from the
 * platform's secret store or a sensitive output instead of logging in to a host.
 */
export class ManagementServer extends Construct {
  readonly hosts: readonly MachineHandle[];
  /** What agents dial: the load balancer's or the single server's private address. */
  readonly serviceAddress: string;
  readonly serviceFqdn: string;
  readonly agentUrl: string;
  readonly consoleUrl: string;
  readonly dnsNames: readonly string[];
  /** The console API's bearer token (sensitive). */
  readonly adminToken: SecretHandle;

  constructor(scope: Construct, id: string, props: ManagementServerProps) {
    super(scope, id);
    const { platform, plan, database } = props;
    const artifact = resolveArtifact(props);
    const machine = planMachine(plan, 'server');
    const serviceName = props.serviceName ?? 'smc';
    this.serviceFqdn = `${serviceName}.${platform.dnsZone}`;
    const hostnames = Array.from(
      { length: machine.count },
      (_, i) => `${SERVER_HOSTNAME_PREFIX}${i + 1}`,
    );
    this.dnsNames = [this.serviceFqdn, ...hostnames.map((h) => `${h}.${platform.dnsZone}`)];

    // 127.0.0.1 too: `smc serve` wants its certificate to cover the loopback address it
    // answers on, and would otherwise re-issue the certificate the deployment placed.
    const certificate = props.certificateAuthority.issue('ServerCertificate', 'server', {
      dnsNames: this.dnsNames,
      ipAddresses: ['127.0.0.1'],
    });
    this.adminToken = platform.secret(this, 'AdminTokenSecret', {
      name: 'admin-token',
      value: generatedPassword(this, 'AdminToken', ADMIN_TOKEN_MIN_LENGTH + 5),
      contentType: 'text/plain',
    });
    const push = props.push ?? 'mosquitto';
    if (!['mosquitto', 'embedded', 'none'].includes(push))
      throw new Error(
        `push: must be 'mosquitto', 'embedded' or 'none' (got ${JSON.stringify(push)})`,
      );
    // The publisher identity the broker's ACL names; a client certificate of the CA. No agent
    // can hold this CN: the server picks agents' CNs (UUIDs) when it signs their requests.
    const publisher =
      push === 'mosquitto'
        ? props.certificateAuthority.issue('PushPublisherCertificate', 'push-publisher', {
            commonName: PUSH_PUBLISHER_CN,
            usage: 'client',
          })
        : undefined;
    const localDatabase = database.placement === 'server-host';
    const environment = database.connectionEnvironment(
      this,
      'DatabaseEnvironment',
      'server-environment',
      {
        ...(localDatabase ? { host: '127.0.0.1' } : {}),
        deploymentCaFile: SERVER_PKI.caCertificate,
      },
    );
    const ca = props.certificateAuthority;
    const owned = (path: string, secret: SecretHandle) => ({ path, secret, owner: 'smc:smc' });
    const secretFiles = [
      owned(SERVER_ENV_FILE, environment),
      owned(SERVER_PKI.caCertificate, ca.caCertificate),
      owned(SERVER_PKI.caPrivateKey, ca.caPrivateKey),
      owned(SERVER_PKI.serviceCertificate, certificate.certificate),
      owned(SERVER_PKI.serviceKey, certificate.privateKey),
      owned(SERVER_PKI.adminToken, this.adminToken),
      ...(publisher
        ? [
            { path: PUSH_SECRETS.caCertificate, secret: ca.caCertificate },
            { path: PUSH_SECRETS.brokerCertificate, secret: certificate.certificate },
            { path: PUSH_SECRETS.brokerKey, secret: certificate.privateKey },
            owned(PUSH_SECRETS.publisherCertificate, publisher.certificate),
            owned(PUSH_SECRETS.publisherKey, publisher.privateKey),
          ]
        : []),
    ];

    this.hosts = hostnames.map((hostname, i) =>
      platform.machine(this, `Host-${i + 1}`, {
        role: 'server',
        index: i + 1,
        hostname,
        ...(i > 0 && props.rollingUpgrade !== false
          ? { rollsAfter: hostnames[i - 1] as string }
          : {}),
        zone: 'server',
        shape: machine,
        ...(vmSizeOf(machine) ? { azureVmSize: vmSizeOf(machine) } : {}),
        // Nodes spread over the region's three zones in turn (a plan may ask for more than 3).
        ...(machine.count > 1 ? { availabilityZone: String((i % 3) + 1) as '1' | '2' | '3' } : {}),
        cloudConfig: mergeCloudConfigs(
          ...(localDatabase && database.serverHostCloudConfig
            ? [database.serverHostCloudConfig]
            : []),
          nodeAndArtifactCloudConfig(artifact),
          ...(push === 'mosquitto'
            ? [mosquittoCloudConfig({ port: PUSH_PORT, publisherCommonName: PUSH_PUBLISHER_CN })]
            : []),
          serverCloudConfig({
            hostnames: [`${hostname}.${platform.dnsZone}`, this.serviceFqdn],
            agentPort: AGENT_PORT,
            consolePort: CONSOLE_PORT,
            intervalSeconds: plan.replication.intervalSeconds,
            localDatabase,
            push:
              push === 'mosquitto'
                ? {
                    broker: `mqtts://127.0.0.1:${PUSH_PORT}`,
                    certFile: PUSH_SECRETS.publisherCertificate,
                    keyFile: PUSH_SECRETS.publisherKey,
                  }
                : push === 'embedded'
                  ? { port: PUSH_PORT }
                  : 'none',
          }),
        ),
        secretFiles: [...secretFiles, ...(localDatabase ? database.serverHostSecretFiles : [])],
      }),
    );

    const first = this.hosts[0];
    if (!first) throw new Error('the plan has no server host');
    this.serviceAddress = plan.placement.loadBalancer
      ? platform.loadBalancer(this, 'LoadBalancer', {
          name: 'smc-lb',
          zone: 'server',
          ports: [AGENT_PORT, CONSOLE_PORT, ...(push === 'none' ? [] : [PUSH_PORT])],
          health: { port: CONSOLE_PORT, path: HEALTH_PATH },
          backends: this.hosts,
        }).privateAddress
      : first.privateAddress;

    platform.dnsRecord(this, 'ServiceRecord', {
      kind: 'A',
      name: serviceName,
      addresses: [this.serviceAddress],
    });
    platform.dnsRecord(this, 'AgentSrvRecord', {
      kind: 'SRV',
      name: '_smc-agent._tcp',
      targets: [{ host: this.serviceFqdn, port: AGENT_PORT, priority: 10, weight: 100 }],
    });
    platform.dnsRecord(this, 'ConsoleSrvRecord', {
      kind: 'SRV',
      name: '_smc-console._tcp',
      targets: [{ host: this.serviceFqdn, port: CONSOLE_PORT, priority: 10, weight: 100 }],
    });
    this.agentUrl = `https://${this.serviceFqdn}:${AGENT_PORT}`;
    this.consoleUrl = `https://${this.serviceFqdn}:${CONSOLE_PORT}`;
  }
}
