import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckInRequest } from '../../../protocol/index.js';
import { CheckInPolicy } from '../../../server/mdm/check-in-policy.js';
import { CheckInService } from '../../../server/mdm/check-in-service.js';
import { MDM_MIGRATIONS, MDM_MIGRATIONS_TABLE } from '../../../server/mdm/store/migrations.js';
import { ConnectorTelemetry } from '../../../server/mdm/telemetry/connector-telemetry.js';
import { migrate } from '../../../server/store/migrate.js';
import { createPool } from '../../../server/store/pool.js';
import { freshDatabase } from '../../support/database.js';

let pool: ReturnType<typeof createPool>;
const deviceIds = Array.from({ length: 6 }, () => randomUUID());

beforeAll(async () => {
  pool = createPool(await freshDatabase('mdm_service'));
  await pool.query('CREATE SCHEMA IF NOT EXISTS mdm');
  await migrate(pool, MDM_MIGRATIONS, { table: MDM_MIGRATIONS_TABLE });
  for (const id of deviceIds) {
    await pool.query(
      `INSERT INTO mdm.devices (id, platform, os_version, model, token_hash)
       VALUES ($1, 'android', '14', 'Pixel 8', 'x')`,
      [id],
    );
  }
});
afterAll(() => pool.end());

const body = (id: string): CheckInRequest => ({
  device: { id, platform: 'android', osVersion: '14', model: 'Pixel 8' },
  status: { battery: { level: 50, charging: false }, encrypted: true, appListHash: 'a'.repeat(64) },
  commandResults: [],
});

describe('CheckInService under load', () => {
  it('refuses check-ins past its queue with 503 and a Retry-After, and stores the rest', async () => {
    const telemetry = new ConnectorTelemetry();
    const service = new CheckInService(pool, new CheckInPolicy(300), telemetry, {
      concurrency: 1,
      maxBatch: 1,
      maxQueued: 2,
    });
    // One in flight, two waiting, the rest refused at once.
    const settled = await Promise.allSettled(deviceIds.map((id) => service.checkIn(id, body(id))));
    const refused = settled.filter((s) => s.status === 'rejected');
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(3);
    expect(refused).toHaveLength(3);
    for (const r of refused) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({
        code: 'SMC_OVERLOADED',
        retryAfterSeconds: expect.any(Number),
      });
    }
    expect(telemetry.totals).toMatchObject({ checkIns: 3, shed: 3 });
    const { rows } = await pool.query(
      'SELECT count(*)::int AS n FROM mdm.devices WHERE last_check_in IS NOT NULL',
    );
    expect(rows[0].n).toBe(3);
  });

  it('queues the summaries of a batch that also holds a device it does not know', async () => {
    const known = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of known) {
      await pool.query(
        `INSERT INTO mdm.devices (id, platform, os_version, model, token_hash)
         VALUES ($1, 'android', '14', 'Pixel 8', 'x')`,
        [id],
      );
    }
    const errors: unknown[] = [];
    const service = new CheckInService(pool, new CheckInPolicy(300), new ConnectorTelemetry(), {
      concurrency: 1,
      onSummaryError: (error) => errors.push(error),
    });
    const [first, ...rest] = known as [string, ...string[]];
    // The first goes alone; the others and an unknown device wait and share the next batch.
    const inFlight = service.checkIn(first, body(first));
    const stranger = randomUUID();
    const batch = [stranger, ...rest].map((id) => service.checkIn(id, body(id)));
    const settled = await Promise.allSettled([inFlight, ...batch]);
    expect(settled.map((s) => s.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'SMC_FORBIDDEN' });
    expect(errors).toEqual([]);
    const { rows } = await pool.query<{ device: string }>(
      `SELECT data->>'deviceId' AS device FROM mdm.relay_outbox WHERE data->>'kind' = 'mdm-device'`,
    );
    expect(rows.map((r) => r.device)).toEqual(expect.arrayContaining(known));
  });
});
