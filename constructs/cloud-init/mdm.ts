import type { CloudConfig } from '../../provider/cloud-init.js';
import { pkiPaths, relayPaths } from '../../server/pki/layout.js';
import { renderServiceUnit } from './systemd.js';

export const MDM_DATA_DIR = '/var/lib/smc-mdm';
export const MDM_ENV_FILE = '/etc/smc/mdm.env';
/** The files `smc mdm --data-dir /var/lib/smc-mdm` reads: its device CA, certificate, admin token. */
export const MDM_PKI = pkiPaths(MDM_DATA_DIR);
/** Its identity as an agent of the server, issued by the deployment (no enrollment token). */
export const MDM_RELAY = relayPaths(MDM_DATA_DIR);
/** The server's agent CA: verifies the server on every relay round, and the database. */
export const MDM_SERVER_CA_FILE = `${MDM_DATA_DIR}/server-ca.pem`;

export interface MdmUnitOptions {
  readonly enrollPort: number;
  readonly devicePort: number;
  /** Names the connector's certificate covers (devices and admins use them). */
  readonly hostnames: readonly string[];
  /** The server's agent plane, e.g. https://smc.smc.internal:2222. */
  readonly serverUrl: string;
}

/** The Mobile Device Connector (`smc mdm`) as a systemd service, rendered like the server's. */
export function mdmCloudConfig(options: MdmUnitOptions): CloudConfig {
  const unit = renderServiceUnit({
    description: 'smc-kit mobile device connector',
    user: 'smc',
    execStart: [
      '/usr/local/bin/smc mdm',
      `--data-dir ${MDM_DATA_DIR}`,
      '--host 0.0.0.0',
      `--enroll-port ${options.enrollPort}`,
      `--device-port ${options.devicePort}`,
      ...options.hostnames.map((name) => `--hostname ${name}`),
      `--server-url ${options.serverUrl}`,
      `--server-ca ${MDM_SERVER_CA_FILE}`,
    ],
    environmentFile: MDM_ENV_FILE,
    readWritePaths: [MDM_DATA_DIR],
    after: [],
  });
  return {
    systemUsers: ['smc'],
    packages: [],
    writeFiles: [{ path: '/etc/systemd/system/smc-mdm.service', content: unit }],
    runcmd: [
      `install -d -m 0700 -o smc -g smc ${MDM_DATA_DIR} ${MDM_PKI.dir} ${MDM_RELAY.dir}`,
      'systemctl daemon-reload',
      'systemctl enable smc-mdm.service',
      'systemctl restart smc-mdm.service',
    ],
  };
}
