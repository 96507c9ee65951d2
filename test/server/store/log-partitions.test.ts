import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../server/app.js';
import { ensureLogPartitions, logPartitions } from '../../../server/store/log-partitions.js';
import { migrate } from '../../../server/store/migrate.js';
import { MIGRATIONS } from '../../../server/store/migrations/index.js';
import { createPool } from '../../../server/store/pool.js';
import { applyRetention } from '../../../server/store/retention.js';
import { TestAgent } from '../../support/agent-client.js';
import { freshDatabase } from '../../support/database.js';
import { enrollmentToken, testServer } from '../../support/server.js';

const DAY = 86_400_000;
const BEFORE_PARTITIONS = MIGRATIONS.filter((m) => m.version < 12);

interface Log {
  readonly seq: number;
  readonly type: string;
  readonly time: string;
  readonly data: Record<string, unknown>;
}

interface Stored {
  readonly o_through: number | null;
  readonly o_stored: number;
  readonly o_clash: number | null;
}

/** One agent's logs through smc_store_logs, shaped as flush-batch.ts shapes a batch. */
async function store(pool: pg.Pool, agent: string, logs: readonly Log[]): Promise<Stored> {
  const seqs = logs.map((l) => l.seq).sort((a, b) => a - b);
  let through = seqs[0] ?? 0;
  for (const seq of seqs) if (seq === through + 1) through = seq;
  const rows = logs.map((l) => ({ a: agent, s: l.seq, t: l.type, at: l.time, d: l.data }));
  const { rows: out } = await pool.query<Stored>(
    'SELECT * FROM smc_store_logs($1::json, $2::uuid[], $3::int[], $4::bigint[], $5::bigint[])',
    [JSON.stringify(rows), [agent], [logs.length], [seqs[0] ?? 0], [through]],
  );
  return out[0] as Stored;
}

const at = (millis: number) => new Date(millis).toISOString();
const event = (seq: number, millis: number, type = 'event'): Log => ({
  seq,
  type,
  time: at(millis),
  data: { n: seq },
});

async function count(pool: pg.Pool, sql: string, values: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(sql, values);
  return rows[0]?.n ?? 0;
}

/** Every stored log as text, in a stable order: equal before and after means nothing changed. */
async function digest(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ d: string }>(
    `SELECT md5(string_agg(concat_ws('|', agent_id, seq, type, time, data, received_at, content_hash),
                          ',' ORDER BY agent_id, seq)) AS d FROM logs`,
  );
  return rows[0]?.d ?? '';
}

describe('migration 12 on a database holding logs', () => {
  let pool: pg.Pool;
  beforeAll(async () => {
    pool = createPool(await freshDatabase('partition_migration'), 4);
  });
  afterAll(() => pool.end());

  it('keeps every row, each in the partition of its type and week, or the default one', async () => {
    await migrate(pool, BEFORE_PARTITIONS);
    const agent = randomUUID();
    await pool.query(
      `INSERT INTO logs (agent_id, seq, type, time, data, content_hash)
       SELECT $1, g, (ARRAY['detection','firewall','hips','scan','audit','event'])[1 + g % 6],
              CASE WHEN g % 50 = 0 THEN timestamptz '1990-01-01' + make_interval(days => g)
                   WHEN g % 50 = 1 THEN timestamptz '2100-01-01' + make_interval(days => g)
                   ELSE now() - make_interval(hours => g) END,
              jsonb_build_object('n', g), CASE WHEN g % 3 = 0 THEN NULL ELSE '\\x01'::bytea END
       FROM generate_series(1, 2000) g`,
      [agent],
    );
    await pool.query(
      `INSERT INTO agent_state (agent_id, logs_through, last_seen) VALUES ($1, 1500, now())`,
      [agent],
    );
    const before = await digest(pool);

    expect((await migrate(pool)).applied).toContain('12-partitioned-logs');
    expect(await count(pool, 'SELECT count(*)::int AS n FROM logs')).toBe(2000);
    expect(await digest(pool)).toBe(before);
    const placed = await pool.query<{ part: string; n: number }>(
      'SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM logs GROUP BY 1',
    );
    expect(placed.rows.length).toBeGreaterThan(6);
    // No week covers the 80 far-off times (1 in 25) nor the scans and events older than their
    // 30 days' weeks: the default partition holds exactly those (retention deletes them).
    const uncovered = await count(
      pool,
      `SELECT count(*)::int AS n FROM logs WHERE time < '2000-01-01' OR time > '2099-01-01'
          OR (type IN ('scan', 'event')
              AND time < date_trunc('week', (now() - interval '30 days') AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`,
    );
    expect(uncovered).toBeGreaterThan(80);
    expect(placed.rows.find((r) => r.part === 'logs_default')?.n).toBe(uncovered);
    const state = await pool.query('SELECT seq_high::int AS h FROM agent_state');
    expect(state.rows[0].h).toBe(2000);
    // The console's indexes exist on every week.
    const indexes = await pool.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'logs' ORDER BY 1`,
    );
    expect(indexes.rows.map((r) => r.indexname)).toEqual([
      'logs_mdm_command_results',
      'logs_mdm_device_latest',
      'logs_pkey',
      'logs_time_brin',
    ]);
  });
});

describe('partitioned logs', () => {
  let pool: pg.Pool;
  beforeAll(async () => {
    pool = createPool(await freshDatabase('partitions'), 6);
    await migrate(pool);
    await ensureLogPartitions(pool);
  });
  afterAll(() => pool.end());

  it('stores a resent batch once, after a retention run and across a week boundary', async () => {
    const agent = randomUUID();
    const monday = Date.parse(`${(await weekStart(pool, new Date())).slice(0, 10)}T00:00:00Z`);
    const batch = [
      event(1, monday - 60_000),
      event(2, monday + 60_000),
      event(3, monday - 60_000, 'detection'),
      event(4, monday + 60_000, 'audit'),
    ];
    expect(await store(pool, agent, batch)).toMatchObject({ o_through: 4, o_stored: 4 });
    const parts = await pool.query(
      'SELECT DISTINCT tableoid::regclass::text AS p FROM logs WHERE agent_id = $1',
      [agent],
    );
    expect(parts.rows.length).toBe(4);
    expect(parts.rows.some((r) => r.p === 'logs_default')).toBe(false);

    await applyRetention(pool);
    expect(await store(pool, agent, batch)).toMatchObject({
      o_through: 4,
      o_stored: 0,
      o_clash: null,
    });
    // Resent again with one new log: only the new one is stored.
    const more = [...batch, event(5, Date.now())];
    expect(await store(pool, agent, more)).toMatchObject({ o_through: 5, o_stored: 1 });
    expect(
      await count(pool, 'SELECT count(*)::int AS n FROM logs WHERE agent_id = $1', [agent]),
    ).toBe(5);
  });

  it('refuses a used seq under another time as a clash, as the old key did', async () => {
    const agent = randomUUID();
    const now = Date.now();
    await store(pool, agent, [event(1, now - 3 * DAY), event(2, now - 3 * DAY)]);
    // Seq 2 again, two weeks later: a new key for the partitioned table, still a clash.
    const clash = await store(pool, agent, [event(2, now), event(3, now)]);
    expect(clash).toMatchObject({ o_clash: 2, o_stored: 0, o_through: 2 });
    const { rows } = await pool.query(
      'SELECT seq::int AS seq, count(*)::int AS n FROM logs WHERE agent_id = $1 GROUP BY seq ORDER BY seq',
      [agent],
    );
    expect(rows).toEqual([
      { seq: 1, n: 1 },
      { seq: 2, n: 1 },
    ]);
  });

  it('takes times far in the past and future into the default partition, and upkeep moves them out', async () => {
    const agent = randomUUID();
    const soon = Date.now() + 9 * 7 * DAY;
    const stored = await store(pool, agent, [
      event(1, Date.parse('1970-01-02T00:00:00Z')),
      event(2, Date.parse('2999-12-31T00:00:00Z')),
      event(3, soon),
    ]);
    expect(stored).toMatchObject({ o_through: 3, o_stored: 3 });
    const where = async () =>
      (
        await pool.query<{ p: string }>(
          'SELECT tableoid::regclass::text AS p FROM logs WHERE agent_id = $1 ORDER BY seq',
          [agent],
        )
      ).rows.map((r) => r.p);
    expect(await where()).toEqual(['logs_default', 'logs_default', 'logs_default']);
    // The week of `soon` comes into the upkeep's reach: its row leaves the default partition.
    const created = await ensureLogPartitions(pool, new Date(soon));
    const week = `logs_event_w${(await weekStart(pool, new Date(soon))).slice(0, 10).replaceAll('-', '')}`;
    expect(created).toContain(week);
    expect(await where()).toEqual(['logs_default', 'logs_default', week]);
  });

  it('drops a week wholly past its type retention, keeping the longer-lived types of that week', async () => {
    const agent = randomUUID();
    const old = Date.now() - 70 * DAY;
    for (const type of ['event', 'audit'])
      await pool.query('SELECT smc_ensure_log_partition($1, $2)', [type, new Date(old)]);
    await store(pool, agent, [event(1, old), event(2, old, 'audit')]);
    const week = (await weekStart(pool, new Date(old))).slice(0, 10).replaceAll('-', '');

    const report = await applyRetention(pool);
    expect(report.dropped).toContain(`logs_event_w${week}`);
    expect(report.dropped).not.toContain(`logs_audit_w${week}`);
    const names = (await logPartitions(pool)).map((p) => p.name);
    expect(names).not.toContain(`logs_event_w${week}`);
    expect(names).toContain(`logs_audit_w${week}`);
    const { rows } = await pool.query('SELECT type FROM logs WHERE agent_id = $1', [agent]);
    expect(rows).toEqual([{ type: 'audit' }]);
  });

  it('lets replications store while retention drops weeks, losing no acknowledged log', async () => {
    const now = Date.now();
    const filler = randomUUID();
    // Eight expired event weeks, each holding a row, for retention to drop.
    for (let week = 6; week < 14; week++) {
      const t = now - week * 7 * DAY;
      await pool.query('SELECT smc_ensure_log_partition($1, $2)', ['event', new Date(t)]);
      await store(pool, filler, [event(week, t)]);
    }
    const agents = [randomUUID(), randomUUID(), randomUUID()];
    const acked = new Map<string, number>();
    let retentionDone = false;
    const replicate = async (agent: string) => {
      let seq = 0;
      // Keeps replicating until retention finished, then a few more (bounded either way).
      for (let round = 0; round < 400 && (!retentionDone || round < 5); round++) {
        const logs = Array.from({ length: 10 }, (_, i) =>
          event(seq + i + 1, now - i * 1000, i % 2 ? 'event' : 'detection'),
        );
        const out = await store(pool, agent, logs);
        seq += 10;
        acked.set(agent, Number(out.o_through));
      }
    };
    const retention = (async () => {
      try {
        return await applyRetention(pool);
      } finally {
        retentionDone = true;
      }
    })();
    const [report] = await Promise.all([retention, ...agents.map(replicate)]);
    expect(report.dropped.filter((n) => n.startsWith('logs_event_')).length).toBeGreaterThanOrEqual(
      8,
    );
    for (const agent of agents) {
      const through = acked.get(agent) ?? 0;
      expect(through).toBeGreaterThan(0);
      expect(
        await count(
          pool,
          'SELECT count(DISTINCT seq)::int AS n FROM logs WHERE agent_id = $1 AND seq <= $2',
          [agent, through],
        ),
      ).toBe(through);
    }
  });
});

describe('a running server while retention drops weeks', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await testServer({ push: false });
  });
  afterAll(() => server.close());

  it('answers every replication over mTLS and keeps every acknowledged log', async () => {
    const now = Date.now();
    const filler = randomUUID();
    // The server made this week and the next ones at start; add six expired event weeks.
    for (let week = 6; week < 12; week++) {
      const t = now - week * 7 * DAY;
      await server.pool.query('SELECT smc_ensure_log_partition($1, $2)', ['event', new Date(t)]);
      await store(server.pool, filler, [event(week, t)]);
    }
    const token = await enrollmentToken(server, 3);
    const agents = await Promise.all(
      Array.from({ length: 3 }, () => TestAgent.enroll(server.agentUrl, server.caCertPem, token)),
    );
    const statuses: number[] = [];
    const acked = agents.map(() => 0);
    let retentionDone = false;
    const replicate = async (agent: TestAgent, i: number) => {
      for (let round = 0; round < 1_000 && (!retentionDone || round < 5); round++) {
        const res = await agent.replicate<{ ack: { logsThrough: number } }>(
          agent.body({ logs: 5 }),
        );
        statuses.push(res.status);
        if (res.status === 200) acked[i] = res.body.ack.logsThrough;
      }
    };
    const retentionWhile = async (run: () => Promise<{ dropped: readonly string[] }>) => {
      retentionDone = false;
      const retention = (async () => {
        try {
          return await run();
        } finally {
          retentionDone = true;
        }
      })();
      const [report] = await Promise.all([retention, ...agents.map(replicate)]);
      return report;
    };

    // A console query holds the logs open: each drop waits its lock timeout and gives up, and
    // the replications queued behind the waiting drop go on once it does.
    const reader = await server.pool.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM logs');
      const blocked = await retentionWhile(() =>
        applyRetention(server.pool, undefined, { lockTimeoutMillis: 300 }),
      );
      expect(blocked.dropped).toEqual([]);
    } finally {
      await reader.query('ROLLBACK');
      reader.release();
    }
    // Free to take its lock, the next run drops them, still under load.
    const report = await retentionWhile(() => applyRetention(server.pool));
    for (const agent of agents) agent.close();
    expect(report.dropped.length).toBeGreaterThanOrEqual(6);
    expect(statuses.length).toBeGreaterThanOrEqual(30);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    for (const [i, agent] of agents.entries()) {
      // Every log sent was acknowledged, and each acknowledged one is stored once.
      expect(acked[i]).toBe(agent.seq);
      expect(
        await count(
          server.pool,
          'SELECT count(*)::int AS n FROM logs WHERE agent_id = $1 AND seq <= $2',
          [agent.id, acked[i]],
        ),
      ).toBe(acked[i]);
    }
  });
});

/** The UTC Monday PostgreSQL's date_trunc('week') gives, as ISO text. */
async function weekStart(pool: pg.Pool, date: Date): Promise<string> {
  const { rows } = await pool.query<{ w: string }>(
    `SELECT to_char(date_trunc('week', $1::timestamptz AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS w`,
    [date],
  );
  return rows[0]?.w ?? '';
}
