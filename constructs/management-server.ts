import { Construct } from 'constructs';
import { mergeCloudConfigs } from '../provider/cloud-init.js';
import type { MachineHandle, Platform, SecretHandle } from '../provider/platform.js';
import { generatedPassword } from '../provider/secrets.js';
import { ADMIN_TOKEN_MIN_LENGTH } from '../server/pki/layout.js';
import type { SizingPlan } from '../sizing/index.js';
import { type ArtifactProps, resolveArtifact } from './artifact.js';
import type { AgentCertificateAuthority } from './certificate-authority.js';
import { nodeAndArtifactCloudConfig } from './cloud-init/node-runtime.js';
import { SERVER_ENV_FILE, SERVER_PKI, serverCloudConfig } from './cloud-init/server.js';
import type { Database } from './database.js';
import { planMachine, SERVER_HOSTNAME_PREFIX, vmSizeOf } from './plan-machines.js';

export const AGENT_PORT = 2222;
export const CONSOLE_PORT = 2223;
/** The console's unauthenticated liveness route; load balancers probe it. */
export const HEALTH_PATH = '/healthz';

export interface ManagementServerProps extends ArtifactProps {
  readonly platform: Platform;
  readonly plan: SizingPlan;
  readonly certificateAuthority: AgentCertificateAuthority;
  readonly database: Database;
  /** Short name agents and admins use, in the platform's DNS zone. @default 'smc' */
  readonly serviceName?: string;
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
    ];

    this.hosts = hostnames.map((hostname, i) =>
      platform.machine(this, `Host-${i + 1}`, {
        role: 'server',
        index: i + 1,
        hostname,
        zone: 'server',
        shape: machine,
        ...(vmSizeOf(machine) ? { azureVmSize: vmSizeOf(machine) } : {}),
        ...(machine.count > 1 ? { availabilityZone: String(i + 1) as '1' | '2' } : {}),
        cloudConfig: mergeCloudConfigs(
          ...(localDatabase && database.serverHostCloudConfig
            ? [database.serverHostCloudConfig]
            : []),
          nodeAndArtifactCloudConfig(artifact),
          serverCloudConfig({
            hostnames: [`${hostname}.${platform.dnsZone}`, this.serviceFqdn],
            agentPort: AGENT_PORT,
            consolePort: CONSOLE_PORT,
            intervalSeconds: plan.replication.intervalSeconds,
            localDatabase,
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
          ports: [AGENT_PORT, CONSOLE_PORT],
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
