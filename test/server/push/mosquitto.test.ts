import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  renderMosquittoAcl,
  renderMosquittoConf,
} from '../../../constructs/cloud-init/mosquitto.js';
import { type WakeupMessage, wakeupTopic } from '../../../protocol/index.js';
import type { RunningServer } from '../../../server/app.js';
import { PUSH_PUBLISHER_CN } from '../../../server/pki/layout.js';
import { issuePushPublisherFromFiles } from '../../../server/pki/push-publisher.js';
import { TestAgent } from '../../support/agent-client.js';
import { foreignIdentity } from '../../support/foreign-identity.js';
import { subscribe } from '../../support/mqtt-subscribe.js';
import { consoleCall, enrollmentToken, testServer } from '../../support/server.js';

/*
 * The deployment's push service for real: Eclipse Mosquitto (the Debian package) with the
 * config and ACL the constructs write, and `smc serve` publishing to it with its publisher
 * certificate (`--push-broker`), as a server host runs them.
 */
let dir: string;
let mosquitto: ChildProcess;
let server: RunningServer;
let brokerUrl: string;
let alice: TestAgent;
let bob: TestAgent;
const clients: MqttClient[] = [];

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'smc-push-mosquitto-'));
  // The server first (with no push of its own) for its CA; then the broker; then the server
  // that publishes to it, on the same data folder and database.
  const first = await testServer({ push: false });
  const token = await enrollmentToken(first);
  alice = await TestAgent.enroll(first.agentUrl, first.caCertPem, token);
  bob = await TestAgent.enroll(first.agentUrl, first.caCertPem, token);
  const serverPki = path.join(path.dirname(first.caFile));
  const caPem = first.caCertPem;
  const caFile = path.join(serverPki, 'ca.pem');
  const caKeyFile = path.join(serverPki, 'ca.key');
  const publisher = await issuePushPublisherFromFiles(caPem, await readFile(caKeyFile, 'utf8'), {
    caFile,
    caKeyFile,
  });
  const databaseUrl = first.databaseUrl;
  const dataDir = path.dirname(serverPki);
  await first.close();

  const port = await freePort();
  await writeFile(path.join(dir, 'ca.pem'), caPem);
  await writeFile(path.join(dir, 'broker.pem'), await readFile(path.join(serverPki, 'server.pem')));
  await writeFile(path.join(dir, 'broker.key'), await readFile(path.join(serverPki, 'server.key')));
  const options = { port, publisherCommonName: PUSH_PUBLISHER_CN, dir };
  await writeFile(path.join(dir, 'acl'), renderMosquittoAcl(options));
  // As written by the constructs, plus what a test run needs: no privilege drop, loopback.
  const conf = renderMosquittoConf(options).replace(
    `listener ${port}`,
    `listener ${port} 127.0.0.1`,
  );
  await writeFile(path.join(dir, 'mosquitto.conf'), `user root\n${conf}`);
  mosquitto = spawn('/usr/sbin/mosquitto', ['-c', path.join(dir, 'mosquitto.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  mosquitto.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  brokerUrl = `mqtts://127.0.0.1:${port}`;
  for (let i = 0; i < 50 && !/Opening ipv4 listen socket/.test(stderr); i++) {
    if (mosquitto.exitCode !== null) throw new Error(`mosquitto exited: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  server = await testServer({
    dataDir,
    databaseUrl,
    push: { external: { url: brokerUrl, certPem: publisher.certPem, keyPem: publisher.keyPem } },
  });
}, 90_000);

afterAll(async () => {
  for (const client of clients) client.end(true);
  alice?.close();
  bob?.close();
  await server?.close();
  if (mosquitto?.exitCode === null) {
    mosquitto.kill('SIGTERM');
    await once(mosquitto, 'exit');
  }
  await rm(dir, { recursive: true, force: true });
});

function session(clientId: string, key: string, cert: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = connect(brokerUrl, {
      clientId,
      key,
      cert,
      ca: server.caCertPem,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
    });
    clients.push(client);
    client.once('connect', () => resolve(client));
    client.once('error', reject);
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

function messages(client: MqttClient, withinMs: number): Promise<{ topic: string }[]> {
  const got: { topic: string }[] = [];
  client.on('message', (topic) => got.push({ topic }));
  return new Promise((resolve) => setTimeout(() => resolve(got), withinMs));
}

describe('Mosquitto as the constructs configure it, fed by smc serve --push-broker', () => {
  it('wakes the agent a task targets; another agent reads nothing of it', async () => {
    const a = await session(alice.id, alice.key, alice.cert);
    const b = await session(bob.id, bob.key, bob.cert);
    expect(await subscribe(a, wakeupTopic(alice.id))).toBe(0);
    // Mosquitto grants the subscription and then withholds what the ACL does not allow.
    await subscribe(b, wakeupTopic(alice.id));
    await subscribe(b, 'smc/agents/#');
    for (let i = 0; i < 50 && !server.push?.url; i++) await new Promise((r) => setTimeout(r, 100));
    const woken = new Promise<WakeupMessage>((resolve) =>
      a.once('message', (_topic, payload) => resolve(JSON.parse(payload.toString()))),
    );
    const seenByBob = messages(b, 2_500);
    await consoleCall(server, '/api/tasks', 'POST', {
      type: 'on-demand-scan',
      agentIds: [alice.id],
    });
    expect((await woken).reason).toBe('task');
    expect(await seenByBob).toEqual([]);
  });

  it('refuses an agent that publishes a wake-up for another', async () => {
    const b = await session(bob.id, bob.key, bob.cert);
    const a = await session(alice.id, alice.key, alice.cert);
    await subscribe(a, wakeupTopic(alice.id));
    const seen = messages(a, 1_500);
    b.publish(
      wakeupTopic(alice.id),
      JSON.stringify({ reason: 'task', at: new Date().toISOString() }),
    );
    expect(await seen).toEqual([]);
  });

  it('refuses a certificate from another CA', async () => {
    const rogue = await foreignIdentity(alice.id);
    await expect(session(alice.id, rogue.key, rogue.cert)).rejects.toThrow();
  });
});
