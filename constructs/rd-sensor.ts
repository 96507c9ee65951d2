import { RandomProvider } from '@cdktf/provider-random/lib/provider/index.js';
import { Uuid } from '@cdktf/provider-random/lib/uuid/index.js';
import { Construct } from 'constructs';
import { mergeCloudConfigs } from '../provider/cloud-init.js';
import type { MachineHandle, Platform, SecretHandle } from '../provider/platform.js';
import { PropsError } from '../provider/props-error.js';
import { ensureProvider } from '../provider/terraform-providers.js';
import { SENSOR_CERTIFICATE_UNIT } from '../server/pki/layout.js';
import { azureVmSizeFor, type SizingPlan } from '../sizing/index.js';
import { type ArtifactProps, resolveArtifact } from './artifact.js';
import type { AgentCertificateAuthority } from './certificate-authority.js';
import { nodeAndArtifactCloudConfig } from './cloud-init/node-runtime.js';
import {
  rdSensorCloudConfig,
  SENSOR_CERTIFICATE_FILE,
  SENSOR_KEY_FILE,
  SENSOR_SERVER_CA_FILE,
} from './cloud-init/rd-sensor.js';

export interface RogueDetectionSensorProps extends ArtifactProps {
  readonly platform: Platform;
  readonly plan: SizingPlan;
  /** The deployment's agent CA: it issues the sensor's certificate (OU rd-sensor). */
  readonly certificateAuthority: AgentCertificateAuthority;
  /** The server's agent plane the sensor reports to, e.g. https://smc.smc.internal:2222. */
  readonly serverUrl: string;
  /** The branch office whose LAN the sensor watches: its name and place in the plan. @default the main site */
  readonly office?: { readonly name: string; readonly index: number };
  /** Watch only this network interface (the LAN's). @default every interface of the host */
  readonly interface?: string;
}

/** Linux interface names: up to 15 characters (IFNAMSIZ - 1), no slash or white space. */
const INTERFACE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/;

/**
 * One network's Rogue Detection Sensor (`smc rd-sensor`) on a small host of that network: it
 * hears the LAN's DHCP broadcasts (UDP 67), reads the kernel's neighbour table, and reports
 * machines it has not reported before to the server on 2222 over mutual TLS. Its identity is
 * a certificate from the deployment's agent CA with OU `rd-sensor` (CN a random agent id), so
 * it reports from its first start without an enrollment token.
 *
 * Broadcasts do not cross routers, so a sensor sees only the LAN it stands in: on vms the host
 * listed for its network (`hosts.sensor`, tagged with the office). Azure VNets carry no
 * broadcast at all (Azure answers DHCP itself), so an Azure sensor sees only what its
 * neighbour table shows of the VNet; office sensors belong on the offices' LANs (vms hosts).
 */
export class RogueDetectionSensor extends Construct {
  readonly host: MachineHandle;
  /** The sensor's agent id at the server (its certificate's CN). */
  readonly sensorId: string;
  /** The office it watches, or undefined for the main site. */
  readonly officeName: string | undefined;
  /** The Azure size it runs on (Azure only). */
  readonly azureVmSize: string | undefined;

  constructor(scope: Construct, id: string, props: RogueDetectionSensorProps) {
    super(scope, id);
    const { platform, plan, office } = props;
    const artifact = resolveArtifact(props);
    if (office !== undefined && !plan.proxies.offices.some((o) => o.index === office.index)) {
      throw new PropsError(
        `offices[${office.index - 1}]`,
        `is not an office of the plan (it has ${plan.input.offices}); plan with offices or officeClients`,
      );
    }
    if (!/^https:\/\/[^/\s]+:\d+$/.test(props.serverUrl)) {
      throw new PropsError(
        'serverUrl',
        "must be the server's agent plane as https://host:port (the sensor reports over mutual TLS)",
        props.serverUrl,
      );
    }
    if (props.interface !== undefined && !INTERFACE_NAME.test(props.interface)) {
      throw new PropsError(
        'rogueDetection.interface',
        'must be a network interface name such as eth0 (up to 15 letters, digits, ".", "_" or "-")',
        props.interface,
      );
    }
    this.officeName = office?.name;
    const hostname = office ? `smc-rd-sensor-${office.name}` : 'smc-rd-sensor';
    const { shape } = plan.rogueDetection;

    ensureProvider(this, 'random', (stack) => new RandomProvider(stack, 'random'));
    this.sensorId = new Uuid(this, 'SensorId', {}).result;
    // The OU is how the server knows this never-enrolled agent is a sensor.
    const certificate = props.certificateAuthority.issue(
      office ? `RdSensorCertificate-${office.name}` : 'RdSensorCertificate',
      office ? `rd-sensor-${office.name}` : 'rd-sensor',
      { commonName: this.sensorId, usage: 'client', organizationalUnit: SENSOR_CERTIFICATE_UNIT },
    );
    const owned = (path: string, secret: SecretHandle) => ({ path, secret, owner: 'smc:smc' });
    // A passive listener idles: a burstable size never drains its credits.
    const azureVmSize = platform.kind === 'azure' ? azureVmSizeFor(shape, true).name : undefined;
    this.azureVmSize = azureVmSize;
    this.host = platform.machine(this, 'Host', {
      role: 'sensor',
      // The main site's sensor first, then one per office in plan order.
      index: office ? office.index + 1 : 1,
      hostname,
      zone: 'sensor',
      ...(office ? { office: office.name } : {}),
      shape,
      ...(azureVmSize ? { azureVmSize } : {}),
      cloudConfig: mergeCloudConfigs(
        nodeAndArtifactCloudConfig(artifact),
        rdSensorCloudConfig({
          serverUrl: props.serverUrl,
          ...(props.interface ? { interface: props.interface } : {}),
        }),
      ),
      secretFiles: [
        owned(SENSOR_SERVER_CA_FILE, props.certificateAuthority.caCertificate),
        owned(SENSOR_CERTIFICATE_FILE, certificate.certificate),
        owned(SENSOR_KEY_FILE, certificate.privateKey),
      ],
    });
  }
}
