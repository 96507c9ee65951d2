import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MDM_CONNECTOR_AGENT_VERSION,
  MDM_DEVICE_LOG_KIND,
  type ReplicateResponse,
} from '../../../protocol/index.js';
import type { RunningServer } from '../../../server/app.js';
import type { RunningConnector } from '../../../server/mdm/connector.js';
import { TestAgent } from '../../support/agent-client.js';
import { consoleCall, enrollmentToken, testServer } from '../../support/server.js';
import { eventually, mdmToken, testConnector } from './connector-support.js';
import { TestDevice } from './test-device.js';

/**
 * The takeover: an ordinary agent reports `agent.version = mdm-connector/1` and relays
 * a summary for a real phone (with a later time than the real connector's) and for a phantom.
 * The server trusts only what it recorded at enrollment: the phone stays with its connector,
 * the admin's wipe goes there, and the phantom never appears.
 */
let server: RunningServer;
let connector: RunningConnector;
let phone: TestDevice;
let impostor: TestAgent;

beforeAll(async () => {
  server = await testServer();
  connector = await testConnector(server);
  phone = await TestDevice.enroll(connector, await mdmToken(connector), 'android');
  await phone.checkIn();
  impostor = await TestAgent.enroll(
    server.agentUrl,
    server.caCertPem,
    await enrollmentToken(server, 1),
  );
});
afterAll(async () => {
  impostor?.close();
  await connector?.close();
  await server?.close();
});

const listed = () =>
  consoleCall<{ items: { deviceId: string; model?: string; connectorAgentId: string }[] }>(
    server,
    '/api/mobile-devices',
  );

describe('connector identity is the server’s own fact', () => {
  it('ignores an ordinary agent that claims to be a connector, however late its logs say they are', async () => {
    await eventually('the real phone is listed', async () =>
      (await listed()).body.items.find((d) => d.deviceId === phone.id),
    );
    const phantom = randomUUID();
    const summary = (deviceId: string, seq: number) => ({
      seq,
      type: 'event' as const,
      // Far in the future: the old projection picked the latest agent-supplied time.
      time: '2099-01-01T00:00:00Z',
      data: {
        kind: MDM_DEVICE_LOG_KIND,
        deviceId,
        platform: 'android',
        osVersion: '99',
        model: 'attacker-controlled',
        encrypted: false,
      },
    });
    const body = impostor.body();
    const res = await impostor.replicate<ReplicateResponse>({
      ...body,
      agent: { ...body.agent, version: MDM_CONNECTOR_AGENT_VERSION },
      logs: [summary(phone.id, 1), summary(phantom, 2)],
    });
    // Stored like any agent's logs (it is a valid replication)...
    expect(res.status).toBe(200);
    expect(res.body.ack.logsThrough).toBe(2);

    // ...but it gives the impostor neither the phone nor a phantom.
    const after = await listed();
    const real = after.body.items.find((d) => d.deviceId === phone.id);
    expect(real?.connectorAgentId).toBe(connector.relayAgentId);
    expect(real?.model).not.toBe('attacker-controlled');
    expect(after.body.items.find((d) => d.deviceId === phantom)).toBeUndefined();
    expect((await consoleCall(server, `/api/mobile-devices/${phantom}`)).status).toBe(404);

    // The admin's wipe for the phone goes to the real connector; the impostor gets no task.
    const wipe = await consoleCall<{ connectorAgentId: string; taskId: string }>(
      server,
      `/api/mobile-devices/${phone.id}/commands`,
      'POST',
      { command: 'wipe' },
    );
    expect(wipe.status).toBe(200);
    expect(wipe.body.connectorAgentId).toBe(connector.relayAgentId);
    const next = await impostor.replicate<ReplicateResponse>(impostor.body());
    expect(next.body.tasks).toEqual([]);
    const targets = await server.pool.query(
      'SELECT agent_id FROM task_targets WHERE task_id = $1',
      [wipe.body.taskId],
    );
    expect(targets.rows).toEqual([{ agent_id: connector.relayAgentId }]);
  });

  it('records the kind of each enrolled agent from its token', async () => {
    const { rows } = await server.pool.query<{ agent_id: string; kind: string }>(
      'SELECT agent_id, kind FROM enrolled_agents WHERE agent_id = ANY($1)',
      [[connector.relayAgentId, impostor.id]],
    );
    expect(Object.fromEntries(rows.map((r) => [r.agent_id, r.kind]))).toEqual({
      [connector.relayAgentId]: 'mdm-connector',
      [impostor.id]: 'agent',
    });
  });

  it('refuses to run a connector enrolled with an ordinary agent token', async () => {
    await expect(
      testConnector(server, {
        server: {
          serverUrl: server.agentUrl,
          serverCaPem: server.caCertPem,
          enrollmentToken: () => enrollmentToken(server, 1),
        },
      }),
    ).rejects.toThrow(/connector token/);
  });
});
