import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunningServer } from '../../../server/app.js';
import {
  type ConnectorOptions,
  type RunningConnector,
  startConnector,
} from '../../../server/mdm/connector.js';
import { httpsJson } from '../../support/agent-client.js';
import { freshDatabase } from '../../support/database.js';
import { enrollmentToken } from '../../support/server.js';

/**
 * A real connector on free loopback ports and its own fresh database, enrolled as an agent of
 * `server`. It relays every 100 ms so tests do not wait on the production pace.
 */
export async function testConnector(
  server: RunningServer,
  overrides: Partial<ConnectorOptions> = {},
): Promise<RunningConnector> {
  return startConnector({
    dataDir: overrides.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'smc-mdm-'))),
    databaseUrl: overrides.databaseUrl ?? (await freshDatabase('mdm')),
    enrollPort: 0,
    devicePort: 0,
    relayIntervalMs: 100,
    checkInIntervalSeconds: 60,
    server: {
      serverUrl: server.agentUrl,
      serverCaPem: server.caCertPem,
      enrollmentToken: () => enrollmentToken(server, 1, 600, 'mdm-connector'),
    },
    ...overrides,
  });
}

/** An MDM enrollment token made on the connector's own console route. */
export async function mdmToken(
  connector: RunningConnector,
  uses = 100,
  ttlSeconds = 3_600,
): Promise<string> {
  const res = await httpsJson<{ token: string }>(`${connector.enrollUrl}/api/enrollment-tokens`, {
    ca: connector.caCertPem,
    token: connector.adminToken,
    body: { uses, ttlSeconds },
  });
  if (res.status !== 200) throw new Error(`mdm token: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token;
}

export function connectorCall<T = unknown>(connector: RunningConnector, route: string) {
  return httpsJson<T>(`${connector.enrollUrl}${route}`, {
    ca: connector.caCertPem,
    token: connector.adminToken,
  });
}

/** Retries `probe` until it returns a value (not undefined); bounded, no timing asserted. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  tries = 200,
  pauseMs = 50,
): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  throw new Error(`${what}: not reached after ${tries} tries`);
}

/** A text route of the connector's console (its Prometheus /metrics). */
export async function connectorText(connector: RunningConnector, route: string): Promise<string> {
  const { request } = await import('node:https');
  return new Promise<string>((resolve, reject) => {
    request(`${connector.enrollUrl}${route}`, { ca: connector.caCertPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString()));
    })
      .on('error', reject)
      .end();
  });
}
