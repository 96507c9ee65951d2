import path from 'node:path';
import type { EnrollmentTokenResponse } from '../../protocol/index.js';
import type { RunningConnector, RunningServer } from '../../server/index.js';
import { consoleRequest } from './console-client.js';

/**
 * `smc serve --with-mdm`: the Mobile Device Connector inside the server's process, for the
 * small tiers where the guide's separate host is not worth it. It keeps to its own folder
 * (`<data-dir>/mdm`: device CA, admin token, relay identity) and its own schema in the
 * server's database, and it is still an agent of the server: it enrolls with a one-use token
 * it makes on the server's own console, so the server sees it exactly as a separate connector.
 */
export async function startEmbeddedConnector(options: {
  readonly server: RunningServer;
  readonly dataDir: string;
  readonly host: string;
  readonly enrollPort: number;
  readonly devicePort: number;
  readonly hostnames: readonly string[];
  readonly log: (line: string) => void;
}): Promise<RunningConnector> {
  const { server } = options;
  const { startConnector } = await import('../../server/index.js');
  return startConnector({
    dataDir: path.join(options.dataDir, 'mdm'),
    host: options.host,
    enrollPort: options.enrollPort,
    devicePort: options.devicePort,
    hostnames: options.hostnames,
    databaseUrl: server.databaseUrl,
    server: {
      serverUrl: server.agentUrl,
      serverCaPem: server.caCertPem,
      enrollmentToken: async () => {
        const made = await consoleRequest<EnrollmentTokenResponse>({
          baseUrl: server.consoleUrl,
          path: '/api/enrollment-tokens',
          method: 'POST',
          token: server.adminToken,
          ca: server.caCertPem,
          body: { uses: 1, ttlSeconds: 600, kind: 'mdm-connector' },
        });
        return made.token;
      },
    },
    log: (line) => options.log(`mdm: ${line}`),
  });
}
