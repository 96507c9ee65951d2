import type { CloudConfig } from '../../provider/cloud-init.js';
import { renderServiceUnit } from './systemd.js';

export const SERVER_DATA_DIR = '/var/lib/smc';
export const SERVER_ENV_FILE = '/etc/smc/server.env';
export const SERVER_PKI_DIR = `${SERVER_DATA_DIR}/pki`;

export interface ServerUnitOptions {
  /** Every name agents and consoles may use: this host, the service name, the load balancer. */
  readonly hostnames: readonly string[];
  readonly agentPort: number;
  readonly consolePort: number;
  /** Start after the local PostgreSQL when it shares the host. */
  readonly localDatabase: boolean;
}

/** The smc-kit server as a systemd service; DATABASE_URL comes from the secret environment file. */
export function serverCloudConfig(options: ServerUnitOptions): CloudConfig {
  const unit = renderServiceUnit({
    description: 'smc-kit management server',
    user: 'smc',
    execStart: [
      '/usr/local/bin/smc serve',
      `--data-dir ${SERVER_DATA_DIR}`,
      '--host 0.0.0.0',
      `--agent-port ${options.agentPort}`,
      `--console-port ${options.consolePort}`,
      ...options.hostnames.map((name) => `--hostname ${name}`),
    ],
    environmentFile: SERVER_ENV_FILE,
    readWritePaths: [SERVER_DATA_DIR],
    after: options.localDatabase ? ['postgresql.service'] : [],
  });
  return {
    systemUsers: ['smc'],
    packages: [],
    writeFiles: [{ path: '/etc/systemd/system/smc-server.service', content: unit }],
    runcmd: [
      `install -d -m 0750 -o smc -g smc ${SERVER_DATA_DIR} ${SERVER_PKI_DIR}`,
      'systemctl daemon-reload',
      'systemctl enable smc-server.service',
      'systemctl restart smc-server.service',
    ],
  };
}
