import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MdmCommandType } from '../../../protocol/index.js';
import type { RunningServer } from '../../../server/app.js';
import type { RunningConnector } from '../../../server/mdm/connector.js';
import { freshDatabase } from '../../support/database.js';
import { consoleCall, testServer } from '../../support/server.js';
import { eventually, mdmToken, testConnector } from './connector-support.js';
import { TestDevice } from './test-device.js';

let server: RunningServer;
let connector: RunningConnector;

beforeAll(async () => {
  server = await testServer();
});
afterAll(async () => {
  await connector?.close();
  await server?.close();
});

const COMMANDS: { command: MdmCommandType; params?: Record<string, unknown> }[] = [
  { command: 'lock', params: { message: 'Found? Call 555-0100' } },
  { command: 'ring', params: { seconds: 30 } },
  { command: 'locate' },
  { command: 'send-message', params: { title: 'IT', message: 'Update tonight' } },
  { command: 'install-policy', params: { version: 3, settings: { camera: false } } },
  { command: 'wipe' },
];

describe('a connector restarted mid-run', () => {
  it('loses no command: each is delivered exactly once or still pending, and every result reaches the server', async () => {
    const databaseUrl = await freshDatabase('mdm_restart');
    connector = await testConnector(server, { databaseUrl });
    const dataDir = connector.caFile.replace(/\/pki\/ca\.pem$/, '');
    const token = await mdmToken(connector);
    let devices = await Promise.all(
      ['android', 'ios', 'android'].map((p) => TestDevice.enroll(connector, token, p as 'ios')),
    );
    for (const device of devices) await device.checkIn();
    for (const device of devices) {
      await eventually('device listed on the server', async () => {
        const res = await consoleCall(server, `/api/mobile-devices/${device.id}`);
        return res.status === 200 ? true : undefined;
      });
    }

    const taskIds: string[] = [];
    for (const device of devices) {
      for (const command of COMMANDS) {
        const res = await consoleCall<{ taskId: string }>(
          server,
          `/api/mobile-devices/${device.id}/commands`,
          'POST',
          command,
        );
        expect(res.status).toBe(200);
        taskIds.push(res.body.taskId);
      }
    }

    // Only the first device checks in before the stop: its commands are delivered and their
    // results still sit on the device; the others' commands wait in the connector or the server.
    const [first] = devices as [TestDevice, ...TestDevice[]];
    await eventually('first deliveries', async () => {
      await first.checkIn();
      return first.received.length === COMMANDS.length ? true : undefined;
    });
    const relayAgentId = connector.relayAgentId;
    await connector.close();

    connector = await testConnector(server, { databaseUrl, dataDir });
    devices = devices.map((d) => d.at(connector.deviceUrl));

    await eventually(
      'every task done on the server',
      async () => {
        for (const device of devices) await device.checkIn();
        const states = await Promise.all(
          taskIds.map((id) => consoleCall<{ done: number }>(server, `/api/tasks/${id}`)),
        );
        return states.every((s) => s.body.done === 1) ? true : undefined;
      },
      400,
    );

    for (const device of devices) {
      const ids = device.received.map((c) => c.id);
      expect(new Set(ids).size, 'no command delivered twice').toBe(ids.length);
      expect(device.received.map((c) => c.type).sort()).toEqual(
        COMMANDS.map((c) => c.command).sort(),
      );
    }
    const installed = devices[0]?.received.find((c) => c.type === 'install-policy');
    expect(installed?.params).toEqual({ version: 3, settings: { camera: false } });
    expect(connector.relayAgentId, 'the same agent identity after restart').toBe(relayAgentId);
  });
});
