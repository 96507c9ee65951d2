import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RogueMachineList } from '../../../protocol/index.js';
import type { RunningServer } from '../../../server/app.js';
import { httpsJson, TestAgent } from '../../support/agent-client.js';
import { consoleCall, enrollmentToken, testServer } from '../../support/server.js';

/**
 * The judgement against inventories: MACs in any spelling an agent may report, inventories that
 * are hostile (no list, junk values, thousands of interfaces) stored without failing anyone's
 * replication, and a changed inventory changing the judgement.
 */
let server: RunningServer;
let sensor: TestAgent;
let token: string;
const agents: TestAgent[] = [];

beforeAll(async () => {
  server = await testServer();
  token = await enrollmentToken(server);
  sensor = await TestAgent.enroll(
    server.agentUrl,
    server.caCertPem,
    await enrollmentToken(server, 1, 3_600, 'rd-sensor'),
  );
});
afterAll(async () => {
  for (const agent of agents) agent.close();
  sensor.close();
  await server.close();
});

async function withHardware(hardware: Record<string, unknown>, agent?: TestAgent) {
  const a = agent ?? (await TestAgent.enroll(server.agentUrl, server.caCertPem, token));
  if (!agent) agents.push(a);
  const res = await a.replicate({
    ...a.body(),
    inventory: {
      hash: createHash('sha256').update(JSON.stringify(hardware)).digest('hex'),
      hardware,
      software: [],
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return a;
}

async function judged(mac: string) {
  const res = await consoleCall<RogueMachineList>(
    server,
    '/api/rogue-machines?judgement=all&disposition=all&pageSize=500',
  );
  return res.body.items.find((m) => m.mac === mac);
}

async function sight(...macs: string[]) {
  const res = await httpsJson(`${server.agentUrl}/v1/sightings`, {
    ca: server.caCertPem,
    cert: sensor.cert,
    key: sensor.key,
    body: {
      sightings: macs.map((mac) => ({ mac, source: 'arp', seenAt: new Date().toISOString() })),
    },
  });
  expect(res.status).toBe(200);
}

describe('matching sightings to inventories', () => {
  it('matches MACs reported in upper case or with dashes', async () => {
    const upper = await withHardware({ network: [{ mac: '00:16:3E:0A:0B:0C' }] });
    const dashed = await withHardware({ network: [{ mac: '00-16-3e-0a-0b-0d' }] });
    await sight('00:16:3e:0a:0b:0c', '00:16:3e:0a:0b:0d');
    expect(await judged('00:16:3e:0a:0b:0c')).toMatchObject({
      judgement: 'managed',
      matchedBy: 'mac',
      agentId: upper.id,
    });
    expect(await judged('00:16:3e:0a:0b:0d')).toMatchObject({ agentId: dashed.id });
  });

  it('stores hostile inventories without failing the replication', async () => {
    await withHardware({ network: 'eth0' });
    await withHardware({ network: [1, null, 'x', { mac: 42 }, { mac: 'zz:zz:zz:zz:zz:zz' }] });
    await withHardware({ network: [{ mac: '00:16:3e:0a:0b:0e', ipv4: '999.1.1.1' }] });
    await withHardware({
      network: Array.from({ length: 5_000 }, (_, i) => ({
        mac: `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
      })),
    });
    const kept = await server.pool.query<{ n: number; most: number }>(
      `SELECT count(*)::int AS n, max(c)::int AS most FROM
         (SELECT agent_id, count(*) AS c FROM inventory_addresses GROUP BY agent_id) x`,
    );
    // At most 64 interfaces an inventory; the junk ones gave no row.
    expect(kept.rows[0]?.most).toBe(64);
    await sight('00:16:3e:0a:0b:0e');
    expect(await judged('00:16:3e:0a:0b:0e')).toMatchObject({ matchedBy: 'mac' });
  });

  it('a changed inventory changes the judgement; a rogue that enrolls turns managed', async () => {
    await sight('00:16:3e:0a:0b:0f');
    expect(await judged('00:16:3e:0a:0b:0f')).toMatchObject({ judgement: 'rogue' });
    const agent = await withHardware({ network: [{ mac: '00:16:3e:0a:0b:0f' }] });
    expect(await judged('00:16:3e:0a:0b:0f')).toMatchObject({
      judgement: 'managed',
      agentId: agent.id,
    });
    await withHardware({ network: [{ mac: '00:16:3e:0a:0b:ff' }] }, agent);
    expect(await judged('00:16:3e:0a:0b:0f')).toMatchObject({ judgement: 'rogue' });
  });
});
