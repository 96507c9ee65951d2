import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckInResponse } from '../../../protocol/index.js';
import type { RunningServer } from '../../../server/app.js';
import type { RunningConnector } from '../../../server/mdm/connector.js';
import { consoleCall, testServer } from '../../support/server.js';
import {
  connectorCall,
  connectorText,
  eventually,
  mdmToken,
  testConnector,
} from './connector-support.js';
import { TestDevice } from './test-device.js';

let server: RunningServer;
let connector: RunningConnector;
const DEVICES = 30;
let devices: TestDevice[];

beforeAll(async () => {
  server = await testServer();
  connector = await testConnector(server);
  const token = await mdmToken(connector, DEVICES + 1);
  devices = [];
  for (let i = 0; i < DEVICES + 1; i++) devices.push(await TestDevice.enroll(connector, token));
  for (const device of devices) await device.checkIn();
});
afterAll(async () => {
  await connector?.close();
  await server?.close();
});

async function metric(name: string): Promise<number> {
  const line = (await connectorText(connector, '/metrics'))
    .split('\n')
    .find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? Number.NaN);
}

describe('check-ins stored together (group commit)', () => {
  it('hands each command out once when a burst of check-ins shares transactions', async () => {
    const [gone, ...fleet] = devices as [TestDevice, ...TestDevice[]];
    await eventually('every device listed on the server', async () => {
      const res = await consoleCall<{ total: number }>(server, '/api/mobile-devices?pageSize=1');
      return res.body.total === DEVICES + 1 ? true : undefined;
    });
    const taskIds: string[] = [];
    for (const device of fleet) {
      for (const command of ['ring', 'locate'] as const) {
        const made = await consoleCall<{ taskId: string }>(
          server,
          `/api/mobile-devices/${device.id}/commands`,
          'POST',
          { command, ...(command === 'ring' ? { params: { seconds: 5 } } : {}) },
        );
        expect(made.status).toBe(200);
        taskIds.push(made.body.taskId);
      }
    }
    await eventually('all commands queued on the connector', async () => {
      const res = await connectorCall<{ commands: { pending: number } }>(connector, '/api/stats');
      return res.body.commands.pending === 2 * fleet.length ? true : undefined;
    });
    // A device removed from the connector checks in within the same burst.
    await connector.pool.query('DELETE FROM mdm.devices WHERE id = $1', [gone.id]);
    const batchesBefore = await metric('smc_mdm_check_in_batch_size_count');

    // Every device checks in twice at once (a retry racing its original) beside the removed one.
    const burst = await Promise.all([
      gone.post(gone.body()),
      ...fleet.flatMap((device) => [
        device.post<CheckInResponse>(device.body()),
        device.post<CheckInResponse>(device.body()),
      ]),
    ]);
    const [refused, ...answers] = burst;
    expect(refused?.status).toBe(403);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    const handedOut = answers.flatMap((a) => (a.body as CheckInResponse).commands.map((c) => c.id));
    expect(handedOut).toHaveLength(2 * fleet.length);
    expect(new Set(handedOut).size).toBe(2 * fleet.length);

    // Fewer transactions than check-ins: the burst was grouped.
    const batches = (await metric('smc_mdm_check_in_batch_size_count')) - batchesBefore;
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThan(burst.length);

    // The results, carried by the next check-ins, reach the server.
    for (const [i, device] of fleet.entries()) {
      const mine = answers
        .slice(2 * i, 2 * i + 2)
        .flatMap((a) => (a.body as CheckInResponse).commands);
      const time = new Date().toISOString();
      const res = await device.post(
        device.body({
          commandResults: mine.map((c) => ({ commandId: c.id, state: 'done', time })),
        }),
      );
      expect(res.status).toBe(200);
    }
    for (const taskId of taskIds) {
      await eventually(`task ${taskId} done on the server`, async () => {
        const res = await consoleCall<{ done: number }>(server, `/api/tasks/${taskId}`);
        return res.body.done === 1 ? true : undefined;
      });
    }
  });
});
