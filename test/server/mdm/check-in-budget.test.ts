import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../server/app.js';
import type { RunningConnector } from '../../../server/mdm/connector.js';
import { freshDatabase } from '../../support/database.js';
import { testServer } from '../../support/server.js';
import {
  connectorCall,
  connectorText,
  eventually,
  mdmToken,
  testConnector,
} from './connector-support.js';
import { TestDevice } from './test-device.js';

let server: RunningServer;
let databaseUrl: string;
const connectors: RunningConnector[] = [];

beforeAll(async () => {
  server = await testServer();
  databaseUrl = await freshDatabase('mdm_budget');
});
afterAll(async () => {
  for (const connector of connectors) await connector.close();
  await server?.close();
});

interface Stats {
  checkInSchedule: {
    configuredSeconds: number;
    effectiveSeconds: number;
    budgetPerSecond: number;
    devices: number;
  };
}

/** A budget of one check-in per 100 s: each device past the first stretches the interval. */
const budgeted = async () => {
  const connector = await testConnector(server, {
    databaseUrl,
    checkInIntervalSeconds: 60,
    checkInBudgetPerSecond: 0.01,
  });
  connectors.push(connector);
  return connector;
};

describe('check-in budget', () => {
  it('tells devices a longer interval as the fleet outgrows the budget, and shows why', async () => {
    const connector = await budgeted();
    const token = await mdmToken(connector, 3);
    const first = await TestDevice.tryEnroll(connector, token);
    // 1 device / 0.01 per s = 100 s, already past the configured 60 s.
    expect(first.body).toMatchObject({ next: { intervalSeconds: 100, jitterSeconds: 10 } });
    await TestDevice.enroll(connector, token);
    const third = await TestDevice.enroll(connector, token);
    const answer = await third.checkIn();
    expect(answer.next).toEqual({ intervalSeconds: 300, jitterSeconds: 30 });

    const stats = await connectorCall<Stats>(connector, '/api/stats');
    expect(stats.body.checkInSchedule).toEqual({
      configuredSeconds: 60,
      effectiveSeconds: 300,
      budgetPerSecond: 0.01,
      devices: 3,
    });
    const metrics = await connectorText(connector, '/metrics');
    expect(metrics).toMatch(/^smc_mdm_check_in_interval_seconds 300$/m);
    expect(metrics).toMatch(/^smc_mdm_devices 3$/m);
  });

  it('counts the devices already enrolled when it starts again', async () => {
    const first = connectors.shift() as RunningConnector;
    await first.close();
    const again = await budgeted();
    const stats = await connectorCall<Stats>(again, '/api/stats');
    expect(stats.body.checkInSchedule).toMatchObject({ devices: 3, effectiveSeconds: 300 });
  });

  it('settles its count from the database a moment after enrollments', async () => {
    const connector = connectors[0] as RunningConnector;
    // A device removed behind the connector's back, then a new one enrolled: the bump counts
    // 4, the recount after the enrollment finds the 3 rows that are there.
    const { rows } = await connector.pool.query<{ id: string }>(
      'DELETE FROM mdm.devices WHERE id = (SELECT id FROM mdm.devices LIMIT 1) RETURNING id',
    );
    expect(rows).toHaveLength(1);
    await TestDevice.enroll(connector, await mdmToken(connector, 1));
    const settled = await eventually('device count settled', async () => {
      const stats = await connectorCall<Stats>(connector, '/api/stats');
      return stats.body.checkInSchedule.devices === 3 ? stats.body.checkInSchedule : undefined;
    });
    expect(settled.effectiveSeconds).toBe(300);
  });
});
