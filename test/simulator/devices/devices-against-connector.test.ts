import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../server/app.js';
import type { RunningConnector } from '../../../server/mdm/connector.js';
import type { DeviceSimulationOptions } from '../../../simulator/devices/device-simulation-options.js';
import { DEFAULT_DEVICE_JITTER_FRACTION } from '../../../simulator/devices/device-simulation-options.js';
import { MinimalRecorder } from '../../../simulator/run/minimal-recorder.js';
import { runDeviceSimulation } from '../../../simulator/run/run-device-simulation.js';
import { parseTargetUrl } from '../../../simulator/transport/target.js';
import { eventually, mdmToken, testConnector } from '../../server/mdm/connector-support.js';
import { consoleCall, testServer } from '../../support/server.js';

let server: RunningServer;
let connector: RunningConnector;

beforeAll(async () => {
  server = await testServer();
  // Devices follow the connector's interval: 1 s keeps these runs short.
  connector = await testConnector(server, { checkInIntervalSeconds: 1 });
});
afterAll(async () => {
  await connector?.close();
  await server?.close();
});

function optionsFor(
  token: string,
  overrides: Partial<DeviceSimulationOptions> = {},
): DeviceSimulationOptions {
  const endpoint = (url: string) => ({ ...parseTargetUrl(url, 'url'), caPem: connector.caCertPem });
  return {
    devices: 20,
    target: endpoint(connector.deviceUrl),
    enroll: endpoint(connector.enrollUrl),
    enrollToken: token,
    androidRatio: 0.6,
    intervalSeconds: 1,
    jitterFraction: DEFAULT_DEVICE_JITTER_FRACTION,
    // An upper bound only: the test stops the run once it has seen the round trip.
    durationSeconds: 60,
    timeScale: 1,
    seed: 11,
    timeoutMs: 10_000,
    ...overrides,
  };
}

interface Listing {
  total: number;
  items: { deviceId: string; platform: string; model: string; osVersion: string }[];
}
interface TaskCounts {
  pending: number;
  delivered: number;
  done: number;
  failed: number;
}

describe('simulated devices against a real connector and server', () => {
  it('enroll, check in, and carry console commands to the device and results back', async () => {
    const stop = new AbortController();
    const recorder = new MinimalRecorder(1_000, true);
    const running = runDeviceSimulation(
      optionsFor(await mdmToken(connector, 20), { signal: stop.signal }),
      recorder,
    );
    running.catch(() => stop.abort());

    const listed = await eventually('all 20 devices listed on the server console', async () => {
      const res = await consoleCall<Listing>(server, '/api/mobile-devices?pageSize=100');
      return res.body.total === 20 ? res.body : undefined;
    });
    const target = listed.items[0] as Listing['items'][0];
    const locate = await consoleCall<{ taskId: string }>(
      server,
      `/api/mobile-devices/${target.deviceId}/commands`,
      'POST',
      { command: 'locate' },
    );
    const wipe = await consoleCall<{ taskId: string }>(
      server,
      `/api/mobile-devices/${target.deviceId}/commands`,
      'POST',
      { command: 'wipe' },
    );
    expect([locate.status, wipe.status]).toEqual([200, 200]);

    const taskState = (taskId: string, want: keyof TaskCounts) =>
      eventually(`task ${want} on the server`, async () => {
        const res = await consoleCall<TaskCounts>(server, `/api/tasks/${taskId}`);
        return res.body[want] === 1 ? res.body : undefined;
      });
    expect(await taskState(locate.body.taskId, 'done')).toMatchObject({ pending: 0, failed: 0 });
    expect(await taskState(wipe.body.taskId, 'failed')).toMatchObject({ pending: 0, done: 0 });

    const detail = await eventually('locate result on the server', async () => {
      const res = await consoleCall<{ latestCommandResults: Record<string, unknown>[] }>(
        server,
        `/api/mobile-devices/${target.deviceId}`,
      );
      return res.body.latestCommandResults.find((r) => r.command === 'locate');
    });
    expect(detail).toMatchObject({ state: 'done', serverTaskId: locate.body.taskId });
    expect(detail.location).toEqual(
      expect.objectContaining({ latitude: expect.any(Number), longitude: expect.any(Number) }),
    );

    stop.abort();
    const outcome = await running;
    expect(outcome.devices.count).toBe(20);
    expect(outcome.devices.android + outcome.devices.ios).toBe(20);
    expect(outcome.checkIns.failed).toBe(0);
    expect(outcome.checkIns.ok).toBeGreaterThanOrEqual(20);
    expect(outcome.commands.received).toBe(2);
    expect(outcome.commands.resultsSent).toBe(2);
    expect(outcome.commands.resultsPending).toBe(0);

    // The same recorder as the agents: every check-in a sample, counters in contract.ts's words.
    expect(recorder.stats.completed).toBe(outcome.checkIns.ok);
    expect(recorder.stats.failed).toBe(0);
    expect(recorder.counter('enrollments')).toBe(20);
    expect(recorder.counter('connections_opened')).toBe(20);
    expect(recorder.counter('tasks_received')).toBe(2);
    expect(recorder.counter('task_results_sent')).toBe(2);
    // Requests by endpoint, as the report splits them: one enroll each, every check-in.
    const requests = (endpoint: string) => recorder.requests.filter((r) => r.endpoint === endpoint);
    expect(requests('mdm_enroll')).toHaveLength(20);
    expect(requests('mdm_check_in')).toHaveLength(recorder.stats.completed);
    expect(requests('mdm_check_in').every((r) => !r.failed && r.bytesSent > 0)).toBe(true);

    // The platforms the server shows are the ones the profiles drew.
    const android = await consoleCall<Listing>(server, '/api/mobile-devices?platform=android');
    expect(android.body.total).toBe(outcome.devices.android);
  });

  it("follows the connector's interval over its own, and connects per check-in when asked", async () => {
    // The run's own interval is a minute; the connector says 1 s, and devices obey it.
    const recorder = new MinimalRecorder(1_000);
    const outcome = await runDeviceSimulation(
      optionsFor(await mdmToken(connector, 5), {
        devices: 5,
        intervalSeconds: 60,
        durationSeconds: 4,
        connection: 'per-check-in',
      }),
      recorder,
    );
    expect(outcome.checkIns.failed).toBe(0);
    // Slots are absolute: about 4 check-ins each; at a 60 s interval it would be 1 at most.
    expect(outcome.checkIns.ok).toBeGreaterThanOrEqual(10);
    expect(recorder.counter('connections_opened')).toBe(outcome.checkIns.ok);
  });

  it('refuses to start when the MDM token is used up, naming the flag', async () => {
    const token = await mdmToken(connector, 1);
    await expect(
      runDeviceSimulation(optionsFor(token, { devices: 3 }), new MinimalRecorder(1_000)),
    ).rejects.toThrow(/--mdm-enroll-token: device enrollment refused: HTTP 4\d\d/);
  });
});
