import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.js';
import { freshDatabase } from '../support/database.js';
import { consoleCall, testServer } from '../support/server.js';

/**
 * Keyset paging of /api/mobile-devices (issue 17) on a real server and PostgreSQL: device
 * summaries as a connector relays them (several per device; the latest counts), paged by
 * `next`: each device once, in device-id order, devices relayed between pages appear exactly
 * when their id sorts after the page already read; a bad token is a 400 naming `after`.
 */
let server: RunningServer;
let db: pg.Pool;
const connector = '00000000-0000-4000-8000-00000000c0de';
let seq = 0;

interface Page {
  total: number;
  totalCapped?: boolean;
  items: { deviceId: string; platform: string }[];
  next: string | null;
}

/** `count` new devices, each relayed twice (an older and a newer summary). */
async function relayDevices(count: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT gen_random_uuid()::text AS id FROM generate_series(1, $1)',
    [count],
  );
  const ids = rows.map((r) => r.id);
  for (const platform of ['android', 'ios']) {
    await db.query(
      `INSERT INTO logs (agent_id, seq, type, time, data)
       SELECT $1, $2 + n, 'event', now(), jsonb_build_object('kind', 'mdm-device', 'deviceId', id, 'platform', $4::text)
       FROM unnest($3::text[]) WITH ORDINALITY AS t(id, n)`,
      [connector, seq, ids, platform],
    );
    seq += count;
  }
  return ids;
}

async function get(route: string): Promise<Page> {
  const res = await consoleCall<Page>(server, route);
  if (res.status !== 200) throw new Error(`${route}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

beforeAll(async () => {
  const url = await freshDatabase('device_keyset');
  server = await testServer({ databaseUrl: url });
  db = new pg.Pool({ connectionString: url, max: 2 });
  await db.query(
    "INSERT INTO enrolled_agents (agent_id, token_hash, kind) VALUES ($1, 'seeded', 'mdm-connector')",
    [connector],
  );
  await relayDevices(60);
}, 60_000);

afterAll(async () => {
  await db?.end();
  await server?.close();
});

describe('keyset paging of /api/mobile-devices', () => {
  it('visits each device once by cursor, with devices relayed between pages', async () => {
    const before = (await get('/api/mobile-devices?pageSize=500')).items.map((d) => d.deviceId);
    expect(before).toHaveLength(60);
    const visited: string[] = [];
    let next: string | null = null;
    let pages = 0;
    let added: string[] = [];
    let lastBefore = '';
    do {
      const page: Page = await get(`/api/mobile-devices?pageSize=7${next ? `&after=${next}` : ''}`);
      // The latest summary of each device counts (relayed second: ios).
      for (const item of page.items) expect(item.platform).toBe('ios');
      visited.push(...page.items.map((d) => d.deviceId));
      next = page.next;
      pages += 1;
      if (pages === 3) {
        lastBefore = visited.at(-1) as string;
        added = await relayDevices(15);
      }
    } while (next && pages < 50);
    expect(next).toBeNull();
    expect(new Set(visited).size).toBe(visited.length);
    expect(visited.filter((id) => before.includes(id))).toEqual(before);
    const after = (await get('/api/mobile-devices?pageSize=500')).items.map((d) => d.deviceId);
    const expectedNew = after
      .slice(after.indexOf(lastBefore) + 1)
      .filter((id) => added.includes(id));
    expect(visited.filter((id) => added.includes(id))).toEqual(expectedNew);
    expect(visited).toEqual(after.filter((id) => visited.includes(id)));
  });

  it('answers the same page by cursor as by page number, with a capped total', async () => {
    const second = await get('/api/mobile-devices?pageSize=5&page=2');
    const first = await get('/api/mobile-devices?pageSize=5');
    const byCursor = await get(`/api/mobile-devices?pageSize=5&after=${first.next}`);
    expect(byCursor.items).toEqual(second.items);
    expect(byCursor.total).toBe(second.total);
    expect(byCursor.totalCapped).toBe(false);
  });

  for (const [what, token] of [
    ['garbage', '%%%'],
    ['a wrong type', Buffer.from(JSON.stringify({ deviceId: 7 })).toString('base64url')],
    [
      'an unknown field',
      Buffer.from(JSON.stringify({ deviceId: connector, x: 1 })).toString('base64url'),
    ],
    ['a huge token', 'A'.repeat(3_000)],
  ] as const) {
    it(`answers 400 naming after for ${what}`, async () => {
      const res = await consoleCall<{ error: { field: string } }>(
        server,
        `/api/mobile-devices?after=${encodeURIComponent(token)}`,
      );
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe('/after');
    });
  }
});
