import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WakeupMessage, wakeupTopic } from '../../../protocol/index.js';
import type { RunningServer } from '../../../server/app.js';
import { TestAgent } from '../../support/agent-client.js';
import { foreignIdentity } from '../../support/foreign-identity.js';
import { subscribe } from '../../support/mqtt-subscribe.js';
import { consoleCall, enrollmentToken, testServer } from '../../support/server.js';

let server: RunningServer;
let alice: TestAgent;
let bob: TestAgent;
const clients: MqttClient[] = [];

beforeAll(async () => {
  server = await testServer();
  const token = await enrollmentToken(server);
  alice = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
  bob = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
  // Computers exist once they replicated: tasks target known computers.
  for (const agent of [alice, bob]) expect((await agent.replicate(agent.body())).status).toBe(200);
});
afterAll(async () => {
  for (const client of clients) client.end(true);
  alice?.close();
  bob?.close();
  await server?.close();
});

const pushUrl = () => {
  const url = server.push?.url;
  if (!url) throw new Error('the test server runs no push broker');
  return url;
};

/** Connects once (no reconnects) and resolves with the client, or rejects with why not. */
function mqttSession(options: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = connect(pushUrl(), {
      ca: server.caCertPem,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      ...options,
    });
    clients.push(client);
    client.once('connect', () => resolve(client));
    client.once('error', (error) => reject(error));
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

const sessionOf = (agent: TestAgent) =>
  mqttSession({ clientId: agent.id, key: agent.key, cert: agent.cert });

function nextMessage(client: MqttClient, withinMs: number): Promise<WakeupMessage | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), withinMs);
    client.once('message', (_topic, payload) => {
      clearTimeout(timer);
      resolve(JSON.parse(payload.toString()) as WakeupMessage);
    });
  });
}

describe('push broker (wake-up calls)', () => {
  it('wakes the agent a new task targets, and only that agent', async () => {
    const a = await sessionOf(alice);
    const b = await sessionOf(bob);
    expect(await subscribe(a, wakeupTopic(alice.id))).toBe(0);
    expect(await subscribe(b, wakeupTopic(bob.id))).toBe(0);
    const forAlice = nextMessage(a, 2_000);
    const forBob = nextMessage(b, 2_500);
    const created = await consoleCall<{ id: string }>(server, '/api/tasks', 'POST', {
      type: 'on-demand-scan',
      agentIds: [alice.id],
    });
    expect(created.status).toBe(200);
    const message = await forAlice;
    expect(message?.reason).toBe('task');
    expect(await forBob).toBeNull();
  });

  it('wakes every connected agent when the policy changes', async () => {
    const a = await sessionOf(alice);
    expect(await subscribe(a, wakeupTopic(alice.id))).toBe(0);
    const woken = nextMessage(a, 2_000);
    expect((await consoleCall(server, '/api/policy', 'PUT', { settings: { x: 1 } })).status).toBe(
      200,
    );
    expect((await woken)?.reason).toBe('policy');
  });

  it("refuses a subscription to another agent's topic", async () => {
    const a = await sessionOf(alice);
    // SUBACK 128: refused. The wildcard that would cover every agent is refused too.
    expect(await subscribe(a, wakeupTopic(bob.id))).toBe(128);
    expect(await subscribe(a, 'smc/agents/+/wakeup')).toBe(128);
  });

  it('refuses a client id that is not the certificate CN', async () => {
    await expect(
      mqttSession({ clientId: bob.id, key: alice.key, cert: alice.cert }),
    ).rejects.toThrow(/Not authorized|closed/i);
  });

  it('refuses a certificate from another CA, and no certificate at all', async () => {
    const rogue = await foreignIdentity(alice.id);
    await expect(
      mqttSession({ clientId: alice.id, key: rogue.key, cert: rogue.cert }),
    ).rejects.toThrow();
    await expect(mqttSession({ clientId: alice.id })).rejects.toThrow();
  });

  it('goes on replicating with the broker stopped; tasks wait for the interval', async () => {
    await server.push?.stop();
    expect(server.push?.url).toBeNull();
    const created = await consoleCall<{ id: string }>(server, '/api/tasks', 'POST', {
      type: 'modules-update',
      agentIds: [alice.id],
    });
    const reply = await alice.replicate<{ tasks: { id: string }[] }>(alice.body({ logs: 2 }));
    expect(reply.status).toBe(200);
    expect(reply.body.tasks.map((t) => t.id)).toContain(created.body.id);
    // And back: the broker starts again on the same port, wake-ups resume.
    await server.push?.start();
    const a = await sessionOf(alice);
    expect(await subscribe(a, wakeupTopic(alice.id))).toBe(0);
    const woken = nextMessage(a, 2_000);
    await consoleCall(server, '/api/tasks', 'POST', {
      type: 'on-demand-scan',
      agentIds: [alice.id],
    });
    expect((await woken)?.reason).toBe('task');
  });
});
