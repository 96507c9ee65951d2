import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../server/store/migrate.js';
import { MIGRATIONS } from '../../server/store/migrations/index.js';
import { createPool } from '../../server/store/pool.js';
import { applyRetention } from '../../server/store/retention.js';
import { freshDatabase } from '../support/database.js';

let pool: pg.Pool;

beforeAll(async () => {
  pool = createPool(await freshDatabase('store'));
});
afterAll(() => pool.end());

describe('migrations', () => {
  it('apply once, concurrently safe, and refuse a database from a newer version', async () => {
    const [a, b] = await Promise.all([migrate(pool), migrate(pool)]);
    expect([...a.applied, ...b.applied]).toEqual(MIGRATIONS.map((m) => `${m.version}-${m.name}`));
    expect((await migrate(pool)).applied).toEqual([]);
    await pool.query("INSERT INTO smc_migrations (version, name) VALUES (999, 'future')");
    await expect(migrate(pool)).rejects.toThrow(/newer version/);
    await pool.query('DELETE FROM smc_migrations WHERE version = 999');
  });

  it('roll back a failing migration and name it', async () => {
    // Versions may have gaps (a number reserved by a change merged separately): use the newest.
    const newest = Math.max(...MIGRATIONS.map((m) => m.version));
    const next = newest + 1;
    const bad = [
      ...MIGRATIONS,
      { version: next, name: 'broken', sql: 'CREATE TABLE x (; ', previousCanRun: true },
    ];
    await expect(migrate(pool, bad)).rejects.toThrow(
      new RegExp(`migration ${next} \\(broken\\) failed`),
    );
    const { rows } = await pool.query('SELECT max(version)::int AS v FROM smc_migrations');
    expect(rows[0].v).toBe(newest);
  });
});

describe('pool', () => {
  it('survives the server terminating a connection it lent out between two statements', async () => {
    const client = await pool.connect();
    await client.query('BEGIN');
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    // 57P01 arrives while no query runs on the lent client: an 'error' event, uncaught unless
    // the pool listens for it (it would end the process).
    await pool.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
    await new Promise((r) => setTimeout(r, 300));
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release(true);
    expect((await pool.query('SELECT 1 AS ok')).rows[0]).toEqual({ ok: 1 });
  });
});

describe('retention', () => {
  it('deletes only logs past their type retention, in batches', async () => {
    const agent = '00000000-0000-4000-8000-000000000001';
    await pool.query(
      `INSERT INTO logs (agent_id, seq, type, time, data)
       SELECT $1, g, CASE WHEN g % 2 = 0 THEN 'event' ELSE 'audit' END,
              now() - make_interval(days => CASE WHEN g <= 40 THEN 100 ELSE 1 END), '{}'::jsonb
       FROM generate_series(1, 60) g`,
      [agent],
    );
    // 40 logs are 100 days old: the 20 events (30 days) go, the 20 audits (180 days) stay.
    const { deleted } = await applyRetention(pool, undefined, { batchSize: 7 });
    expect(deleted).toBe(20);
    const { rows } = await pool.query(
      'SELECT type, count(*)::int AS n FROM logs GROUP BY type ORDER BY type',
    );
    expect(rows).toEqual([
      { type: 'audit', n: 30 },
      { type: 'event', n: 10 },
    ]);
  });
});
