import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SIGHTINGS_PER_REQUEST } from '../../../protocol/index.js';
import type { RunningServer } from '../../../server/app.js';
import { httpsJson, TestAgent } from '../../support/agent-client.js';
import { consoleCall, enrollmentToken, testServer } from '../../support/server.js';

/**
 * POST /v1/sightings from hostile peers: only a certificate the server enrolled as a sensor may
 * report; every value is checked to what the sightings table takes, and a bad one is a 400
 * naming the field that stores nothing. A good report is stored once however often it comes.
 */
let server: RunningServer;
let sensor: TestAgent;
let agent: TestAgent;

beforeAll(async () => {
  server = await testServer();
  sensor = await TestAgent.enroll(
    server.agentUrl,
    server.caCertPem,
    await enrollmentToken(server, 1, 3_600, 'rd-sensor'),
  );
  agent = await TestAgent.enroll(server.agentUrl, server.caCertPem, await enrollmentToken(server));
});
afterAll(async () => {
  sensor.close();
  agent.close();
  await server.close();
});

const post = (who: TestAgent | null, body: unknown, rawBody?: string) =>
  httpsJson<{ stored?: number; error?: { code: string; field?: string; message: string } }>(
    `${server.agentUrl}/v1/sightings`,
    {
      ca: server.caCertPem,
      ...(who ? { cert: who.cert, key: who.key } : {}),
      ...(rawBody === undefined ? { body } : { rawBody }),
    },
  );
const sighting = (mac: string, extra: Record<string, unknown> = {}) => ({
  mac,
  source: 'neighbour-table',
  seenAt: '2026-12-01T10:00:00.000Z',
  ...extra,
});
const rows = async () =>
  (await server.pool.query('SELECT count(*)::int AS n FROM sightings')).rows[0].n as number;

describe('POST /v1/sightings refuses hostile input with 400 naming the field', () => {
  const cases: [string, unknown, string][] = [
    ['a MAC that is not hex', { sightings: [sighting('zz:16:3e:00:00:01')] }, '/sightings/0/mac'],
    ['a MAC in upper case', { sightings: [sighting('00:16:3E:00:00:01')] }, '/sightings/0/mac'],
    ['a MAC too long', { sightings: [sighting('00:16:3e:00:00:01:02')] }, '/sightings/0/mac'],
    [
      'an IP past 255',
      { sightings: [sighting('00:16:3e:00:00:01', { ip: '10.0.0.256' })] },
      '/sightings/0/ip',
    ],
    [
      'a host name with a NUL byte',
      { sightings: [sighting('00:16:3e:00:00:01', { hostname: 'pc\u0000one' })] },
      '/sightings/0/hostname',
    ],
    [
      'a vendor with a NUL byte',
      { sightings: [sighting('00:16:3e:00:00:01', { vendor: 'Evil\u0000Corp' })] },
      '/sightings/0/vendor',
    ],
    [
      'a host name of 300 characters',
      { sightings: [sighting('00:16:3e:00:00:01', { hostname: 'a'.repeat(300) })] },
      '/sightings/0/hostname',
    ],
    [
      'a time that is not UTC',
      { sightings: [sighting('00:16:3e:00:00:01', { seenAt: 'yesterday' })] },
      '/sightings/0/seenAt',
    ],
    [
      'an unknown source',
      { sightings: [sighting('00:16:3e:00:00:01', { source: 'guess' })] },
      '/sightings/0/source',
    ],
    [
      'an unknown field',
      { sightings: [sighting('00:16:3e:00:00:01', { owner: 'me' })] },
      '/sightings/0',
    ],
    ['no sightings', { sightings: [] }, '/sightings'],
    [
      `${MAX_SIGHTINGS_PER_REQUEST + 1} sightings`,
      {
        sightings: Array.from({ length: MAX_SIGHTINGS_PER_REQUEST + 1 }, (_, i) =>
          sighting(
            `00:16:3e:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
          ),
        ),
      },
      '/sightings',
    ],
    [
      'the same MAC twice',
      { sightings: [sighting('00:16:3e:00:00:01'), sighting('00:16:3e:00:00:01')] },
      '/sightings/1/mac',
    ],
  ];
  it.each(cases)('%s', async (_name, body, field) => {
    const res = await post(sensor, body);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error?.field ?? res.body.error?.message).toContain(field);
    expect(await rows()).toBe(0);
  });
});

describe('only an enrolled sensor may report', () => {
  it('refuses a connection without a client certificate (401)', async () => {
    const res = await post(null, { sightings: [sighting('00:16:3e:00:00:01')] });
    expect(res.status).toBe(401);
  });
  it("refuses an ordinary agent's certificate (403): the kind is the server's record", async () => {
    const res = await post(agent, { sightings: [sighting('00:16:3e:00:00:01')] });
    expect(res.status).toBe(403);
    expect(res.body.error?.message).toMatch(/rd-sensor/);
    expect(await rows()).toBe(0);
  });
});

describe('a good report', () => {
  it('is stored, and a resend keeps one row whose first sighting stays', async () => {
    const first = await post(sensor, {
      sightings: [
        sighting('00:50:56:aa:00:01', { ip: '10.1.2.3', vendor: 'VMware, Inc.' }),
        sighting('00:50:56:aa:00:02', { hostname: 'intruder', source: 'dhcp' }),
      ],
    });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.stored).toBe(2);
    const again = await post(sensor, {
      sightings: [sighting('00:50:56:aa:00:01', { seenAt: '2026-12-01T11:00:00.000Z' })],
    });
    expect(again.status).toBe(200);
    const stored = await server.pool.query(
      `SELECT mac::text, host(ip) AS ip, hostname, vendor, first_seen, last_seen FROM sightings ORDER BY mac`,
    );
    expect(stored.rows).toHaveLength(2);
    expect(stored.rows[0]).toMatchObject({
      mac: '00:50:56:aa:00:01',
      ip: '10.1.2.3',
      vendor: 'VMware, Inc.',
    });
    expect((stored.rows[0].first_seen as Date).toISOString()).toBe('2026-12-01T10:00:00.000Z');
    expect((stored.rows[0].last_seen as Date).toISOString()).toBe('2026-12-01T11:00:00.000Z');

    const listed = await consoleCall<{
      total: number;
      items: { mac: string; judgement: string }[];
    }>(server, '/api/rogue-machines');
    expect(listed.status).toBe(200);
    expect(listed.body.total).toBe(2);
    expect(listed.body.items.every((m) => m.judgement === 'rogue')).toBe(true);
  });
});

describe('console actions validate too', () => {
  it('a bad MAC in the path is 400, an unknown one 404, a bad group 400', async () => {
    const bad = await consoleCall<{ error: { field?: string; message: string } }>(
      server,
      '/api/rogue-machines/not-a-mac',
      'POST',
      { action: 'ignore' },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.field ?? bad.body.error.message).toContain('mac');
    const unknown = await consoleCall(server, '/api/rogue-machines/00:11:22:33:44:55', 'POST', {
      action: 'ignore',
    });
    expect(unknown.status).toBe(404);
    const badGroup = await consoleCall(server, '/api/rogue-machines/00:50:56:aa:00:01', 'POST', {
      action: 'move-to-group',
      group: 'a\u0001b',
    });
    expect(badGroup.status).toBe(400);
    const badQuery = await consoleCall(server, '/api/rogue-machines?judgement=maybe');
    expect(badQuery.status).toBe(400);
  });
});
