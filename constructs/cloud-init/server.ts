import type { CloudConfig } from '../../provider/cloud-init.js';
import { pkiPaths } from '../../server/pki/layout.js';
import { renderServiceUnit } from './systemd.js';

export const SERVER_DATA_DIR = '/var/lib/smc';
export const SERVER_ENV_FILE = '/etc/smc/server.env';
/** The files `smc serve --data-dir /var/lib/smc` reads: the server's own layout, not a copy. */
export const SERVER_PKI = pkiPaths(SERVER_DATA_DIR);

export interface ServerUnitOptions {
  /** Every name agents and consoles may use: this host, the service name, the load balancer. */
  readonly hostnames: readonly string[];
  readonly agentPort: number;
  readonly consolePort: number;
  /** The plan's replication interval, told to agents until the server stretches it. */
  readonly intervalSeconds: number;
  /** Start after the local PostgreSQL when it shares the host. */
  readonly localDatabase: boolean;
  /** Wake-ups: publish on the host's broker (Mosquitto), run the embedded one, or none. */
  readonly push:
    | { readonly broker: string; readonly certFile: string; readonly keyFile: string }
    | { readonly port: number }
    | 'none';
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
      `--interval ${options.intervalSeconds}s`,
      ...pushFlags(options.push),
      ...options.hostnames.map((name) => `--hostname ${name}`),
    ],
    environmentFile: SERVER_ENV_FILE,
    readWritePaths: [SERVER_DATA_DIR],
    after: [
      ...(options.localDatabase ? ['postgresql.service'] : []),
      ...(typeof options.push === 'object' && 'broker' in options.push
        ? ['mosquitto.service']
        : []),
    ],
  });
  return {
    systemUsers: ['smc'],
    packages: [],
    writeFiles: [{ path: '/etc/systemd/system/smc-server.service', content: unit }],
    runcmd: [
      // Secrets may already sit in pki/ (placed by root); the service account owns the folder.
      `install -d -m 0700 -o smc -g smc ${SERVER_DATA_DIR} ${SERVER_PKI.dir}`,
      'systemctl daemon-reload',
      'systemctl enable smc-server.service',
      'systemctl restart smc-server.service',
    ],
  };
}

function pushFlags(push: ServerUnitOptions['push']): string[] {
  if (push === 'none') return ['--no-push'];
  if ('port' in push) return [`--push-port ${push.port}`];
  return [
    `--push-broker ${push.broker}`,
    `--push-cert ${push.certFile}`,
    `--push-key ${push.keyFile}`,
  ];
}
