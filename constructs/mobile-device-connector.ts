import { RandomProvider } from '@cdktf/provider-random/lib/provider/index.js';
import { Uuid } from '@cdktf/provider-random/lib/uuid/index.js';
import { Construct } from 'constructs';
import { mergeCloudConfigs } from '../provider/cloud-init.js';
import type { MachineHandle, Platform, SecretHandle } from '../provider/platform.js';
import { generatedPassword } from '../provider/secrets.js';
import { ensureProvider } from '../provider/terraform-providers.js';
import { ADMIN_TOKEN_MIN_LENGTH, CONNECTOR_CERTIFICATE_UNIT } from '../server/pki/layout.js';
import type { SizingPlan } from '../sizing/index.js';
import { type ArtifactProps, resolveArtifact } from './artifact.js';
import { AgentCertificateAuthority } from './certificate-authority.js';
import {
  MDM_ENV_FILE,
  MDM_PKI,
  MDM_RELAY,
  MDM_SERVER_CA_FILE,
  mdmCloudConfig,
} from './cloud-init/mdm.js';
import { nodeAndArtifactCloudConfig } from './cloud-init/node-runtime.js';
import type { Database } from './database.js';
import { planMachine, vmSizeOf } from './plan-machines.js';

export const MDM_ENROLL_PORT = 9980;
export const MDM_DEVICE_PORT = 9981;

export interface MobileDeviceConnectorProps extends ArtifactProps {
  readonly platform: Platform;
  readonly plan: SizingPlan;
  /** The deployment's agent CA: the connector is one of the server's agents. */
  readonly certificateAuthority: AgentCertificateAuthority;
  readonly database: Database;
  /** The server's agent plane the connector relays to, e.g. https://smc.smc.internal:2222. */
  readonly serverUrl: string;
}

/**
 * The Mobile Device Connector on its own host (guide: MDM section), ports 9980 and 9981. It
 * gets a device CA of its own (devices enroll with it), a certificate covering its host name
 * signed by that CA (served with the chain), an admin token, and an agent certificate from
 * the deployment's agent CA, so it relays to the server from the first start without an
 * enrollment token.
 */
export class MobileDeviceConnector extends Construct {
  readonly host: MachineHandle;
  readonly enrollmentUrl: string;
  readonly deviceUrl: string;
  /** The device CA: phones trust it for both ports (public). */
  readonly deviceCaCertificatePem: string;
  /** The connector console's bearer token (sensitive). */
  readonly adminToken: SecretHandle;
  /** The connector's agent id at the server. */
  readonly relayAgentId: string;

  constructor(scope: Construct, id: string, props: MobileDeviceConnectorProps) {
    super(scope, id);
    const { platform, plan } = props;
    const artifact = resolveArtifact(props);
    const machine = planMachine(plan, 'mdm');
    const hostname = 'smc-mdm-1';
    const fqdn = `${hostname}.${platform.dnsZone}`;

    const deviceCa = new AgentCertificateAuthority(this, 'DeviceCertificateAuthority', {
      platform,
      commonName: 'smc-kit MDM device CA',
      secretPrefix: 'mdm-ca',
    });
    this.deviceCaCertificatePem = deviceCa.caCertificatePem;
    const certificate = deviceCa.issue('ConnectorCertificate', 'mdm', {
      dnsNames: [fqdn],
      ipAddresses: ['127.0.0.1'],
    });
    ensureProvider(this, 'random', (stack) => new RandomProvider(stack, 'random'));
    this.relayAgentId = new Uuid(this, 'RelayAgentId', {}).result;
    // The OU is how the server knows this never-enrolled agent is a connector.
    const relay = props.certificateAuthority.issue('RelayCertificate', 'mdm-relay', {
      commonName: this.relayAgentId,
      usage: 'client',
      organizationalUnit: CONNECTOR_CERTIFICATE_UNIT,
    });
    this.adminToken = platform.secret(this, 'AdminTokenSecret', {
      name: 'mdm-admin-token',
      value: generatedPassword(this, 'AdminToken', ADMIN_TOKEN_MIN_LENGTH + 5),
      contentType: 'text/plain',
    });
    const environment = props.database.connectionEnvironment(
      this,
      'DatabaseEnvironment',
      'mdm-environment',
      { deploymentCaFile: MDM_SERVER_CA_FILE },
    );
    const owned = (path: string, secret: SecretHandle) => ({ path, secret, owner: 'smc:smc' });
    this.host = platform.machine(this, 'Host-1', {
      role: 'mdm',
      index: 1,
      hostname,
      zone: 'mdm',
      shape: machine,
      ...(vmSizeOf(machine) ? { azureVmSize: vmSizeOf(machine) } : {}),
      cloudConfig: mergeCloudConfigs(
        nodeAndArtifactCloudConfig(artifact),
        mdmCloudConfig({
          enrollPort: MDM_ENROLL_PORT,
          devicePort: MDM_DEVICE_PORT,
          hostnames: [fqdn],
          serverUrl: props.serverUrl,
        }),
      ),
      secretFiles: [
        owned(MDM_ENV_FILE, environment),
        owned(MDM_SERVER_CA_FILE, props.certificateAuthority.caCertificate),
        owned(MDM_PKI.caCertificate, deviceCa.caCertificate),
        owned(MDM_PKI.caPrivateKey, deviceCa.caPrivateKey),
        owned(MDM_PKI.serviceCertificate, certificate.certificate),
        owned(MDM_PKI.serviceKey, certificate.privateKey),
        owned(MDM_PKI.adminToken, this.adminToken),
        owned(MDM_RELAY.provisionedCertificate, relay.certificate),
        owned(MDM_RELAY.provisionedKey, relay.privateKey),
      ],
    });
    this.enrollmentUrl = `https://${fqdn}:${MDM_ENROLL_PORT}`;
    this.deviceUrl = `https://${fqdn}:${MDM_DEVICE_PORT}`;
  }
}
