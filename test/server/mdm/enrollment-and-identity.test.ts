import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../server/app.js';
import type { RunningConnector } from '../../../server/mdm/connector.js';
import { httpsJson } from '../../support/agent-client.js';
import { testServer } from '../../support/server.js';
import { mdmToken, testConnector } from './connector-support.js';
import { TestDevice } from './test-device.js';

let server: RunningServer;
let connector: RunningConnector;

beforeAll(async () => {
  server = await testServer();
  connector = await testConnector(server);
});
afterAll(async () => {
  await connector?.close();
  await server?.close();
});

describe('device enrollment', () => {
  it('issues a device certificate for a valid token, over TLS the connector CA vouches for', async () => {
    const device = await TestDevice.enroll(connector, await mdmToken(connector));
    expect(device.id).toMatch(/^[0-9a-f-]{36}$/);
    const first = await device.checkIn();
    expect(first.commands).toEqual([]);
    expect(first.next.intervalSeconds).toBe(60);
  });

  it('refuses a used-up token and names the reason', async () => {
    const token = await mdmToken(connector, 1);
    await TestDevice.enroll(connector, token);
    const again = await TestDevice.tryEnroll(connector, token);
    expect(again.status).toBe(403);
    expect(again.body).toMatchObject({
      error: {
        code: 'SMC_TOKEN_INVALID',
        field: '/token',
        message: expect.stringMatching(/no uses left/),
      },
    });
  });

  it('refuses an expired token', async () => {
    const token = await mdmToken(connector, 5, 1);
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    const res = await TestDevice.tryEnroll(connector, token);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: { message: expect.stringMatching(/expired/) } });
  });

  it('refuses an unknown token and a body without the device model (400, field named)', async () => {
    const unknown = await TestDevice.tryEnroll(connector, 'smc_not-a-real-token-at-all');
    expect(unknown.status).toBe(403);
    const res = await httpsJson(`${connector.enrollUrl}/mdm/v1/enroll`, {
      ca: connector.caCertPem,
      body: {
        token: await mdmToken(connector),
        csr: 'x'.repeat(100),
        device: { platform: 'android', model: 'X' },
      },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'SMC_BAD_BODY', field: '/device/osVersion' } });
  });

  it('keeps its console behind the connector admin token', async () => {
    const res = await httpsJson(`${connector.enrollUrl}/api/enrollment-tokens`, {
      ca: connector.caCertPem,
      body: { uses: 1, ttlSeconds: 60 },
    });
    expect(res.status).toBe(401);
    const wrong = await httpsJson(`${connector.enrollUrl}/api/stats`, {
      ca: connector.caCertPem,
      token: server.adminToken,
    });
    expect(wrong.status).toBe(401);
  });
});

describe('device check-in identity and validation', () => {
  it('refuses a check-in whose body claims another device than its certificate (403)', async () => {
    const token = await mdmToken(connector);
    const [alice, mallory] = await Promise.all([
      TestDevice.enroll(connector, token),
      TestDevice.enroll(connector, token, 'ios'),
    ]);
    const res = await alice.post(alice.body(), mallory);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: { code: 'SMC_FORBIDDEN', field: '/device/id' } });
  });

  it('refuses a check-in without a device certificate (401), and one with a server agent certificate', async () => {
    const device = await TestDevice.enroll(connector, await mdmToken(connector));
    const bare = await httpsJson(`${connector.deviceUrl}/mdm/v1/check-in`, {
      ca: connector.caCertPem,
      body: device.body(),
    });
    expect(bare.status).toBe(401);
    const relayIdentityOnDevicePort = await httpsJson(`${connector.deviceUrl}/mdm/v1/check-in`, {
      ca: connector.caCertPem,
      ...(await relayCertificate()),
      body: device.body(),
    });
    expect(relayIdentityOnDevicePort.status).toBe(401);
  });

  it('answers bad bodies with 400 naming the field', async () => {
    const device = await TestDevice.enroll(connector, await mdmToken(connector));
    const good = device.body();
    const cases: [unknown, string][] = [
      [
        { ...good, status: { ...good.status, battery: { level: 150, charging: false } } },
        '/status/battery/level',
      ],
      [{ ...good, device: { ...good.device, platform: 'symbian' } }, '/device/platform'],
      [{ ...good, status: { ...good.status, extra: 1 } }, '/status/extra'],
      [{ device: good.device, status: good.status }, '/commandResults'],
      [{ ...good, status: { ...good.status, appListHash: 'ABC' } }, '/status/appListHash'],
    ];
    for (const [body, field] of cases) {
      const res = await device.post(body);
      expect(res.status, field).toBe(400);
      expect(res.body, field).toMatchObject({ error: { code: 'SMC_BAD_BODY', field } });
    }
  });
});

/** The connector's own agent identity at the server: valid TLS, but not a device certificate. */
async function relayCertificate(): Promise<{ cert: string; key: string }> {
  const { readFile } = await import('node:fs/promises');
  const path = await import('node:path');
  const dataDir = path.dirname(path.dirname(connector.caFile));
  const identity = JSON.parse(await readFile(path.join(dataDir, 'relay', 'identity.json'), 'utf8'));
  return { cert: identity.certPem, key: identity.keyPem };
}
