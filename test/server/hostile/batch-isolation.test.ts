import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckInRequest, ReplicateRequest } from '../../../protocol/index.js';
import { ApiError } from '../../../server/http/errors.js';
import { GroupCommitter } from '../../../server/ingest/group-commit.js';
import type { StoredReplication } from '../../../server/ingest/types.js';
import { CheckInBatcher } from '../../../server/mdm/check-in-batcher.js';
import { MDM_MIGRATIONS, MDM_MIGRATIONS_TABLE } from '../../../server/mdm/store/migrations.js';
import { DatabaseUnavailableError } from '../../../server/store/database-errors.js';
import { migrate } from '../../../server/store/migrate.js';
import { createPool } from '../../../server/store/pool.js';
import { freshDatabase } from '../../support/database.js';

/**
 * Batch isolation below validation: items that reach the batch although PostgreSQL refuses
 * them (planted here, as if validation had a gap) fail alone; every batch-mate is stored.
 */
let pool: pg.Pool;

beforeAll(async () => {
  pool = createPool(await freshDatabase('isolation'));
  await migrate(pool);
  await pool.query('CREATE SCHEMA IF NOT EXISTS mdm');
  await migrate(pool, MDM_MIGRATIONS, { table: MDM_MIGRATIONS_TABLE });
});
afterAll(() => pool.end());

function replication(agentId: string, poison: string | null): ReplicateRequest {
  return {
    agent: {
      id: agentId,
      fingerprint: 'a'.repeat(64),
      version: '1',
      hostname: `pc-${agentId.slice(0, 8)}`,
      os: { family: 'linux', name: 'Debian', version: '12' },
    },
    status: {
      protection: 'ok',
      modulesVersion: '1',
      lastUpdate: '2026-01-01T00:00:00Z',
      uptimeSeconds: 1,
    },
    logs: [
      { seq: 1, type: 'event', time: '2026-01-01T00:00:00Z', data: { note: poison ?? 'fine' } },
    ],
    taskResults: [],
    policyVersion: 0,
  };
}

describe('group commit', () => {
  it('fails only the replication PostgreSQL refuses; its 99 batch-mates are stored in the same flush', async () => {
    const refusedAgents: string[] = [];
    const committer = new GroupCommitter(pool, {
      maxBatch: 100,
      maxWaitMs: 50,
      concurrency: 1,
      agentsWithTasks: new Set(),
      onRefused: (agentId) => refusedAgents.push(agentId),
    });
    const ids = Array.from({ length: 100 }, () => randomUUID());
    const guilty = new Set([ids[17], ids[70]]);
    // U+0000 and a lone surrogate: what PostgreSQL refuses (22P05) once past validation.
    const settled = await Promise.allSettled(
      ids.map((agentId) =>
        committer.submit({
          agentId,
          bytes: 1_000,
          body: replication(
            agentId,
            agentId === ids[17] ? 'a\u0000b' : agentId === ids[70] ? '\ud800' : null,
          ),
        }),
      ),
    );
    const failed = ids.filter((_, i) => settled[i]?.status === 'rejected');
    expect(new Set(failed)).toEqual(guilty);
    expect(new Set(refusedAgents)).toEqual(guilty);
    for (const [i, outcome] of settled.entries()) {
      if (guilty.has(ids[i])) {
        const reason = (outcome as PromiseRejectedResult).reason;
        expect(reason).toBeInstanceOf(ApiError);
        expect(reason).toMatchObject({ code: 'SMC_BAD_BODY' });
      } else {
        expect((outcome as PromiseFulfilledResult<StoredReplication>).value.logsThrough).toBe(1);
      }
    }
    const { rows } = await pool.query(
      'SELECT count(*)::int AS n FROM logs WHERE agent_id = ANY($1)',
      [ids],
    );
    expect(rows[0].n).toBe(98);
    await committer.drain();
  });

  it('fails a batch at once with 503 while the database is known to be away, without splitting it', async () => {
    let commits = 0;
    const committer = new GroupCommitter(pool, {
      maxBatch: 10,
      maxWaitMs: 5,
      agentsWithTasks: new Set(),
      database: {
        assertAvailable: () => {
          commits += 1;
          throw new DatabaseUnavailableError('the database is unavailable (probe failed)');
        },
      },
    });
    const ids = Array.from({ length: 10 }, () => randomUUID());
    const settled = await Promise.allSettled(
      ids.map((agentId) =>
        committer.submit({ agentId, bytes: 1, body: replication(agentId, null) }),
      ),
    );
    expect(
      settled.every((s) => s.status === 'rejected' && s.reason instanceof DatabaseUnavailableError),
    ).toBe(true);
    expect(commits).toBeLessThanOrEqual(2);
    await committer.drain();
  });
});

describe('MDM check-in batches', () => {
  it('fails only the check-in PostgreSQL refuses; its batch-mates are stored', async () => {
    const ids = Array.from({ length: 40 }, () => randomUUID());
    for (const id of ids)
      await pool.query(
        `INSERT INTO mdm.devices (id, platform, os_version, model, token_hash) VALUES ($1, 'ios', '17', 'iPhone', 'x')`,
        [id],
      );
    const refused: string[] = [];
    const batcher = new CheckInBatcher(pool, {
      maxBatch: 40,
      concurrency: 1,
      onRefused: (deviceId) => refused.push(deviceId),
    });
    const guilty = ids[5] as string;
    const body = (id: string): CheckInRequest => ({
      device: {
        id,
        platform: 'ios',
        osVersion: '17',
        model: id === guilty ? 'i\u0000Phone' : 'iPhone 15',
      },
      status: {
        battery: { level: 50, charging: false },
        encrypted: true,
        appListHash: 'b'.repeat(64),
      },
      commandResults: [],
    });
    // Hold the batcher's one slot so all 40 queue and go in one batch.
    const blocker = randomUUID();
    await pool.query(
      `INSERT INTO mdm.devices (id, platform, os_version, model, token_hash) VALUES ($1, 'ios', '17', 'iPhone', 'x')`,
      [blocker],
    );
    const first = batcher.submit({ deviceId: blocker, body: body(blocker) });
    const settled = await Promise.allSettled(
      ids.map((id) => batcher.submit({ deviceId: id, body: body(id) })),
    );
    await first;
    expect(ids.filter((_, i) => settled[i]?.status === 'rejected')).toEqual([guilty]);
    expect(refused).toEqual([guilty]);
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM mdm.devices WHERE id = ANY($1) AND model = 'iPhone 15' AND last_check_in IS NOT NULL`,
      [ids],
    );
    expect(rows[0].n).toBe(39);
  });
});
