import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
let device: TestDevice;

interface TaskCounts {
  pending: number;
  delivered: number;
  done: number;
  failed: number;
}

beforeAll(async () => {
  server = await testServer();
  connector = await testConnector(server);
  device = await TestDevice.enroll(connector, await mdmToken(connector), 'ios');
  await device.checkIn();
});
afterAll(async () => {
  await connector?.close();
  await server?.close();
});

/** Waits until the server's console lists the device (its summary was relayed and stored). */
function listedOnServer(deviceId: string) {
  return eventually('device listed on the server', async () => {
    const res = await consoleCall<{ items: { deviceId: string }[] }>(server, '/api/mobile-devices');
    return res.body.items.find((d) => d.deviceId === deviceId);
  });
}

describe('the connector as an agent of the server', () => {
  it('shows up as a computer and lists its devices on the server console', async () => {
    const listed = await listedOnServer(device.id);
    expect(listed).toMatchObject({
      deviceId: device.id,
      connectorAgentId: connector.relayAgentId,
      platform: 'ios',
      osVersion: '17.4',
      encrypted: true,
      battery: { level: 80, charging: false },
    });
    const computer = await consoleCall(server, `/api/computers/${connector.relayAgentId}`);
    expect(computer.status).toBe(200);
    const onlyIos = await consoleCall<{ items: unknown[] }>(
      server,
      '/api/mobile-devices?platform=android',
    );
    expect(
      onlyIos.body.items.find((d) => (d as { deviceId: string }).deviceId === device.id),
    ).toBeUndefined();
  });

  it('carries a command from the server console to the device and its result back', async () => {
    await listedOnServer(device.id);
    const created = await consoleCall<{ taskId: string; connectorAgentId: string }>(
      server,
      `/api/mobile-devices/${device.id}/commands`,
      'POST',
      { command: 'locate' },
    );
    expect(created.status).toBe(200);
    expect(created.body.connectorAgentId).toBe(connector.relayAgentId);

    const command = await eventually('command reaches the device', async () => {
      await device.checkIn();
      return device.received.find((c) => c.type === 'locate');
    });
    expect(command.params).toEqual({});
    await device.checkIn(); // carries the result

    const task = await eventually('result reaches the server', async () => {
      const res = await consoleCall<TaskCounts>(server, `/api/tasks/${created.body.taskId}`);
      return res.body.done === 1 ? res.body : undefined;
    });
    expect(task).toMatchObject({ pending: 0, delivered: 0, done: 1, failed: 0 });

    const detail = await eventually('result log on the server', async () => {
      const res = await consoleCall<{ latestCommandResults: Record<string, unknown>[] }>(
        server,
        `/api/mobile-devices/${device.id}`,
      );
      return res.body.latestCommandResults.find((r) => r.commandId === command.id);
    });
    expect(detail).toMatchObject({
      command: 'locate',
      state: 'done',
      serverTaskId: created.body.taskId,
      location: { latitude: 48.15, longitude: 17.11 },
    });

    interface DelaySummary {
      count: number;
      maxMs: number;
    }
    const stats = await connectorCall<{
      commandDelay: DelaySummary;
      commandWait: DelaySummary;
      commands: TaskCounts;
    }>(connector, '/api/stats');
    expect(stats.body.commandDelay.count).toBeGreaterThanOrEqual(1);
    // The connector's own part (queued here until the check-in) is within the end-to-end delay.
    expect(stats.body.commandWait.count).toBe(stats.body.commandDelay.count);
    expect(stats.body.commandWait.maxMs).toBeLessThanOrEqual(stats.body.commandDelay.maxMs);
    expect(stats.body.commands.done).toBeGreaterThanOrEqual(1);
  });

  it('exposes the command delay on /metrics', async () => {
    const text = await connectorText(connector, '/metrics');
    expect(text).toMatch(/smc_mdm_command_delay_seconds_count \d+/);
    expect(text).toMatch(/smc_mdm_command_wait_seconds_count \d+/);
    expect(text).toMatch(/smc_mdm_check_ins_total\{outcome="ok"\} \d+/);
  });

  it('refuses bad command parameters on the server console with the field named', async () => {
    await listedOnServer(device.id);
    const cases: [unknown, string][] = [
      [{ command: 'send-message', params: {} }, '/params/message'],
      [{ command: 'ring', params: { seconds: 0 } }, '/params/seconds'],
      [{ command: 'lock', params: { colour: 'red' } }, '/params/colour'],
      [{ command: 'explode' }, '/command'],
    ];
    for (const [body, field] of cases) {
      const res = await consoleCall(
        server,
        `/api/mobile-devices/${device.id}/commands`,
        'POST',
        body,
      );
      expect(res.status, field).toBe(400);
      expect(res.body, field).toMatchObject({ error: { code: 'SMC_BAD_BODY', field } });
    }
    const unknown = await consoleCall(
      server,
      '/api/mobile-devices/00000000-0000-4000-8000-000000000000/commands',
      'POST',
      { command: 'ring' },
    );
    expect(unknown.status).toBe(404);
  });

  it('answers a task for a device it does not hold as failed, with the reason', async () => {
    const created = await consoleCall<{ id: string }>(server, '/api/tasks', 'POST', {
      type: 'run-command',
      params: { mdmCommand: 'wipe', deviceId: '00000000-0000-4000-8000-000000000000' },
      agentIds: [connector.relayAgentId],
    });
    expect(created.status).toBe(200);
    const task = await eventually('failure reaches the server', async () => {
      const res = await consoleCall<TaskCounts>(server, `/api/tasks/${created.body.id}`);
      return res.body.failed === 1 ? res.body : undefined;
    });
    expect(task.done).toBe(0);
  });
});
