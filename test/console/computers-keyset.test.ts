import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.js';
import { COMPUTER_SORTS } from '../../server/console/schemas.js';
import { freshDatabase } from '../support/database.js';
import { consoleCall, testServer } from '../support/server.js';

/**
 * Keyset paging of /api/computers (issue 17) on a real server and PostgreSQL: following
 * `next` visits every computer exactly once in the order of a single full listing, for every
 * sort and direction, with many ties in each sort key (and nulls in last seen and IP), and
 * rows inserted between pages appear exactly when they sort after the page already read.
 * A token the server did not make is a 400 naming `after`.
 */
let server: RunningServer;
let db: pg.Pool;
const PAGE = 17;

interface Row {
  agentId: string;
}
interface Page {
  total: number;
  totalCapped?: boolean;
  items: Row[];
  next: string | null;
}

/** `count` computers with few distinct hostnames, OS names, groups, versions and seen times. */
async function insertComputers(count: number, salt: number): Promise<string[]> {
  const { rows } = await db.query<{ agent_id: string }>(
    `INSERT INTO computers (agent_id, hostname, os_family, os_name, os_version, agent_version,
                            fingerprint, protection, modules_version, last_update, uptime_seconds, group_name)
     SELECT gen_random_uuid(), 'host-' || ((g + $2) % 7), 'windows', (ARRAY['Windows 11','Ubuntu','macOS'])[1 + (g + $2) % 3],
            '1', (ARRAY['1.0.0','10.0.9','11.1.2'])[1 + (g + $2) % 3], md5(g::text),
            (ARRAY['ok','warning','critical'])[1 + (g + $2) % 3], '1', now(), 1,
            (ARRAY['all','lab','hq','branch'])[1 + (g + $2) % 4]
     FROM generate_series(1, $1) g RETURNING agent_id`,
    [count, salt],
  );
  const ids = rows.map((r) => r.agent_id);
  // Two in three seen, at five distinct instants a microsecond apart (ties, and precision a
  // JavaScript Date would lose); one in two with an inventory reporting one of three IPs.
  await db.query(
    `INSERT INTO agent_state (agent_id, last_seen)
     SELECT id, timestamptz '2026-12-01 10:00:00.000001Z' + (n % 5) * interval '1 microsecond'
     FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n) WHERE n % 3 <> 0`,
    [ids],
  );
  await db.query(
    `INSERT INTO inventories (agent_id, hash, hardware)
     SELECT id, md5(id::text), jsonb_build_object('network', jsonb_build_array(jsonb_build_object('ipv4', '10.0.0.' || (n % 3))))
     FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n) WHERE n % 2 = 0`,
    [ids],
  );
  return ids;
}

async function get(route: string): Promise<Page> {
  const res = await consoleCall<Page>(server, route);
  if (res.status !== 200) throw new Error(`${route}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

beforeAll(async () => {
  const url = await freshDatabase('keyset');
  server = await testServer({ databaseUrl: url });
  db = new pg.Pool({ connectionString: url, max: 2 });
  await insertComputers(150, 0);
}, 60_000);

afterAll(async () => {
  await db?.end();
  await server?.close();
});

describe('keyset paging of /api/computers', () => {
  for (const sort of COMPUTER_SORTS) {
    for (const order of ['asc', 'desc'] as const) {
      it(`visits each computer once by cursor, sort=${sort}&order=${order}, rows inserted mid-way`, async () => {
        const query = `sort=${sort}&order=${order}&pageSize=${PAGE}`;
        const before = (
          await get(`/api/computers?sort=${sort}&order=${order}&pageSize=500`)
        ).items.map((r) => r.agentId);
        const visited: string[] = [];
        let next: string | null = null;
        let pages = 0;
        let inserted: string[] = [];
        let lastBeforeInsert = '';
        do {
          const page: Page = await get(`/api/computers?${query}${next ? `&after=${next}` : ''}`);
          visited.push(...page.items.map((r) => r.agentId));
          next = page.next;
          pages += 1;
          if (pages === 2) {
            lastBeforeInsert = visited.at(-1) as string;
            inserted = await insertComputers(10, pages + sort.length);
          }
        } while (next && pages < 100);
        expect(next).toBeNull();
        expect(new Set(visited).size).toBe(visited.length);
        const after = (
          await get(`/api/computers?sort=${sort}&order=${order}&pageSize=500`)
        ).items.map((r) => r.agentId);
        // Every row present from the start comes once, in the order of one full listing.
        expect(visited.filter((id) => before.includes(id))).toEqual(before);
        // An inserted row is visited exactly when it sorts after the last row already read.
        const cut = after.indexOf(lastBeforeInsert);
        const expectedNew = after.slice(cut + 1).filter((id) => inserted.includes(id));
        expect(visited.filter((id) => inserted.includes(id))).toEqual(expectedNew);
        expect(expectedNew.length).toBeGreaterThan(0);
        expect(visited).toEqual(after.filter((id) => visited.includes(id)));
      }, 60_000);
    }
  }

  it('keeps page= working with an exact total, and caps nothing below the cap', async () => {
    const first = await get('/api/computers?pageSize=5&page=2');
    const byCursor = await get(
      `/api/computers?pageSize=5&after=${(await get('/api/computers?pageSize=5')).next}`,
    );
    expect(byCursor.items).toEqual(first.items);
    expect(byCursor.total).toBe(first.total);
    expect(byCursor.totalCapped).toBe(false);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM computers');
    expect(first.total).toBe(rows[0]?.n);
  });
});

describe('hostile cursors', () => {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const good = {
    sort: 'hostname',
    order: 'asc',
    key: 'host-1',
    hostname: 'host-1',
    id: randomUUID(),
  };
  const cases: [string, string, string][] = [
    ['garbage', '!!not-base64!!', 'base64url'],
    ['not JSON', Buffer.from('{nope').toString('base64url'), 'not JSON'],
    ['huge', 'A'.repeat(5_000), ''],
    ['an array', b64([1, 2]), 'not an object'],
    ['a wrong type', b64({ ...good, hostname: 42 }), '"hostname"'],
    ['a non-uuid id', b64({ ...good, id: "1' OR 1=1 --" }), '"id"'],
    ['an unknown field', b64({ ...good, extra: 1 }), 'unknown field "extra"'],
    [
      'a missing field',
      b64({ sort: 'hostname', order: 'asc', key: 'x', hostname: 'x' }),
      'missing field "id"',
    ],
    ['another sort', b64({ ...good, sort: 'os' }), 'sort=os'],
    ['a bad time', `${b64({ ...good, sort: 'lastSeen', key: 'yesterday' })}`, 'lastSeen'],
    ['a null key where none can be', b64({ ...good, key: null }), 'cannot be null'],
  ];
  for (const [what, token, says] of cases) {
    it(`answers 400 naming after for ${what}`, async () => {
      const sort = what === 'a bad time' ? '&sort=lastSeen' : '';
      const res = await consoleCall<{ error: { field: string; message: string } }>(
        server,
        `/api/computers?after=${encodeURIComponent(token)}${sort}`,
      );
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe('/after');
      expect(res.body.error.message).toContain(says);
    });
  }
});
