import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type RunningServer, type ServerOptions, startServer } from '../../server/app.js';
import { httpsJson } from './agent-client.js';
import { freshDatabase } from './database.js';

/** A real server (both listeners on free loopback ports) on its own fresh database. */
export async function testServer(overrides: Partial<ServerOptions> = {}): Promise<RunningServer> {
  return startServer({
    dataDir: overrides.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'smc-server-'))),
    databaseUrl: overrides.databaseUrl ?? (await freshDatabase('server')),
    agentPort: 0,
    consolePort: 0,
    intervalSeconds: 60,
    // Test machines run many suites at once; a busy CPU must not make the server shed load
    // where a test expects answers. The queue bound (tested on its own) still applies.
    maxEventLoopDelayMs: 10_000,
    ...overrides,
  });
}

export async function enrollmentToken(
  server: RunningServer,
  uses = 100,
  ttlSeconds = 3_600,
  kind: 'agent' | 'mdm-connector' | 'rd-sensor' = 'agent',
): Promise<string> {
  const res = await httpsJson<{ token: string }>(`${server.consoleUrl}/api/enrollment-tokens`, {
    ca: server.caCertPem,
    token: server.adminToken,
    body: { uses, ttlSeconds, ...(kind === 'agent' ? {} : { kind }) },
  });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token;
}

export function consoleCall<T = unknown>(
  server: RunningServer,
  route: string,
  method = 'GET',
  body?: unknown,
) {
  return httpsJson<T>(`${server.consoleUrl}${route}`, {
    ca: server.caCertPem,
    token: server.adminToken,
    method,
    body,
  });
}
