import { Construct } from 'constructs';
import { mergeCloudConfigs } from '../provider/cloud-init.js';
import type { MachineHandle, Platform } from '../provider/platform.js';
import type { SizingPlan } from '../sizing/index.js';
import { type ArtifactProps, resolveArtifact } from './artifact.js';
import type { AgentCertificateAuthority } from './certificate-authority.js';
import { MDM_ENV_FILE, MDM_PKI_DIR, mdmCloudConfig } from './cloud-init/mdm.js';
import { nodeAndArtifactCloudConfig } from './cloud-init/node-runtime.js';
import type { Database } from './database.js';
import { planMachine, vmSizeOf } from './plan-machines.js';

export const MDM_ENROLL_PORT = 9980;
export const MDM_DEVICE_PORT = 9981;

export interface MobileDeviceConnectorProps extends ArtifactProps {
  readonly platform: Platform;
  readonly plan: SizingPlan;
  readonly certificateAuthority: AgentCertificateAuthority;
  readonly database: Database;
  /** Address of the database for this host (the server's for `server-host`). */
  readonly databaseHost: string;
}

/**
 * The Mobile Device Connector on its own host (guide: MDM section), ports 9980 and 9981, with
 * a certificate covering its host name, signed by the deployment's CA (the chain it serves).
 */
export class MobileDeviceConnector extends Construct {
  readonly host: MachineHandle;
  readonly enrollmentUrl: string;

  constructor(scope: Construct, id: string, props: MobileDeviceConnectorProps) {
    super(scope, id);
    const { platform, plan } = props;
    const artifact = resolveArtifact(props);
    const machine = planMachine(plan, 'mdm');
    const hostname = 'smc-mdm-1';
    const fqdn = `${hostname}.${platform.dnsZone}`;
    const certificate = props.certificateAuthority.issue('MdmCertificate', 'mdm', [fqdn]);
    const environment = props.database.connectionEnvironment(
      this,
      'DatabaseEnvironment',
      'mdm-environment',
      props.databaseHost,
    );
    this.host = platform.machine(this, 'Host-1', {
      role: 'mdm',
      index: 1,
      hostname,
      zone: 'mdm',
      shape: machine,
      ...(vmSizeOf(machine) ? { azureVmSize: vmSizeOf(machine) } : {}),
      cloudConfig: mergeCloudConfigs(
        nodeAndArtifactCloudConfig(artifact.nodeVersion, artifact.artifact),
        mdmCloudConfig({ enrollPort: MDM_ENROLL_PORT, devicePort: MDM_DEVICE_PORT }),
      ),
      secretFiles: [
        { path: MDM_ENV_FILE, secret: environment, owner: 'smc:smc' },
        {
          path: `${MDM_PKI_DIR}/ca.crt`,
          secret: props.certificateAuthority.caCertificate,
          owner: 'smc:smc',
        },
        { path: `${MDM_PKI_DIR}/mdm.crt`, secret: certificate.certificate, owner: 'smc:smc' },
        { path: `${MDM_PKI_DIR}/mdm.key`, secret: certificate.privateKey, owner: 'smc:smc' },
      ],
    });
    this.enrollmentUrl = `https://${fqdn}:${MDM_ENROLL_PORT}`;
  }
}
