import type { CloudConfig } from '../../provider/cloud-init.js';
import { renderServiceUnit } from './systemd.js';

export const MDM_DATA_DIR = '/var/lib/smc-mdm';
export const MDM_ENV_FILE = '/etc/smc/mdm.env';
export const MDM_PKI_DIR = `${MDM_DATA_DIR}/pki`;

/** The Mobile Device Connector (`smc mdm`) as a systemd service, rendered like the server's. */
export function mdmCloudConfig(options: { enrollPort: number; devicePort: number }): CloudConfig {
  const unit = renderServiceUnit({
    description: 'smc-kit mobile device connector',
    user: 'smc',
    execStart: [
      '/usr/local/bin/smc mdm',
      `--enroll-port ${options.enrollPort}`,
      `--device-port ${options.devicePort}`,
      `--data-dir ${MDM_DATA_DIR}`,
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
      `install -d -m 0750 -o smc -g smc ${MDM_DATA_DIR} ${MDM_PKI_DIR}`,
      'systemctl daemon-reload',
      'systemctl enable smc-mdm.service',
      'systemctl restart smc-mdm.service',
    ],
  };
}
