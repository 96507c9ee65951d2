import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.js';
import { DEFAULT_OS_MIX } from '../../simulator/profile/os-mix.js';
import { MinimalRecorder } from '../../simulator/run/minimal-recorder.js';
import { runSimulation } from '../../simulator/run/run-simulation.js';
import { consoleCall, testServer } from '../support/server.js';

const AGENTS = 12;
const TARGET = '9.4.2';
let server: RunningServer;

beforeAll(async () => {
  server = await testServer({ push: false });
});
afterAll(() => server.close());

async function until<T>(probe: () => Promise<T | null>, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface VersionMix {
  items: { version: string; computers: number; simulated: number }[];
}

describe('the upgrade-agent task (component upgrade)', () => {
  it('refuses an upgrade task without a valid version, naming the field', async () => {
    const res = await consoleCall<{ error: { field: string } }>(server, '/api/tasks', 'POST', {
      type: 'upgrade-agent',
      params: { version: 'latest; rm -rf' },
      all: true,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('/params/version');
  });

  it('reaches simulated agents, which move to the version and report it; the console shows mix and progress', async () => {
    const abort = new AbortController();
    const recorder = new MinimalRecorder(1_000);
    const run = runSimulation(
      {
        target: {
          url: server.agentUrl,
          host: '127.0.0.1',
          port: Number(new URL(server.agentUrl).port),
          caPem: server.caCertPem,
        },
        console: { url: server.consoleUrl, adminToken: server.adminToken, caPem: server.caCertPem },
        agents: AGENTS,
        shard: { index: 1, count: 1 },
        mode: { kind: 'rate', ratePerSecond: 24 },
        durationSeconds: 120,
        timeScale: 1,
        seed: 11,
        connection: 'persistent',
        timeoutMs: 10_000,
        lateThresholdMs: 5_000,
        behaviour: {
          seed: 11,
          osMix: DEFAULT_OS_MIX,
          logsPerReplication: 1,
          inventoryChangeRate: 0,
          taskResultRate: 0,
        },
        verify: false,
        signal: abort.signal,
      },
      recorder,
    );
    try {
      const before = await until(async () => {
        const mix = await consoleCall<VersionMix>(server, '/api/agent-versions');
        const total = mix.body.items.reduce((n, i) => n + i.simulated, 0);
        return total === AGENTS ? mix.body : null;
      }, 'every agent to replicate once');
      expect(before.items.some((i) => i.version === TARGET)).toBe(false);

      const task = await consoleCall<{ id: string; targets: number }>(
        server,
        '/api/tasks',
        'POST',
        {
          type: 'upgrade-agent',
          params: { version: TARGET },
          all: true,
        },
      );
      expect(task.status).toBe(200);
      expect(task.body.targets).toBe(AGENTS);

      // taskResultRate 0: ordinary tasks never finish, so only the upgrade path can get here.
      const progress = await until(async () => {
        const res = await consoleCall<{
          done: number;
          upgrade: { version: string; targets: number; atVersion: number };
        }>(server, `/api/tasks/${task.body.id}`);
        return res.body.done === AGENTS && res.body.upgrade.atVersion === AGENTS ? res.body : null;
      }, 'every agent to report the upgrade done and the new version');
      expect(progress.upgrade).toEqual({ version: TARGET, targets: AGENTS, atVersion: AGENTS });
      const after = await consoleCall<VersionMix>(server, '/api/agent-versions');
      expect(after.body.items).toEqual([{ version: TARGET, computers: 0, simulated: AGENTS }]);
    } finally {
      abort.abort();
      await run;
    }
  });
});
