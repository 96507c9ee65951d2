import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.js';
import { consoleCall, enrollmentToken, testServer } from '../support/server.js';
import { SMC_BIN } from './run-cli.js';

/*
 * Wake-ups as a user runs them: the real server (in this process, so the test can stop its
 * broker) and `smc simulate --wakeups on` from the built binary as the agents.
 */

const INTERVAL_SECONDS = 8;
const AGENTS = 3;
let dir: string;
let server: RunningServer;
let simulate: ChildProcess;
let stdout = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'smc-wakeups-cli-'));
  server = await testServer({ intervalSeconds: INTERVAL_SECONDS });
  const tokenFile = path.join(dir, 'admin.token');
  await writeFile(tokenFile, server.adminToken);
  simulate = spawn(
    process.execPath,
    [
      SMC_BIN,
      'simulate',
      '--target',
      server.agentUrl,
      '--ca',
      server.caFile,
      '--enroll-token',
      await enrollmentToken(server, AGENTS),
      '--console-url',
      server.consoleUrl,
      '--admin-token-file',
      tokenFile,
      '--agents',
      String(AGENTS),
      '--interval',
      `${INTERVAL_SECONDS}s`,
      '--duration',
      '26s',
      '--wakeups',
      'on',
      '--push-url',
      server.push?.url ?? 'mqtts://127.0.0.1:1',
      '--verify',
      '--json',
      path.join(dir, 'run.json'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  simulate.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
}, 60_000);

afterAll(async () => {
  if (simulate?.exitCode === null) {
    simulate.kill('SIGTERM');
    await once(simulate, 'exit');
  }
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | null>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Seconds from creation to delivery per target (null: not delivered yet). */
async function deliverySeconds(taskId: string): Promise<(number | null)[]> {
  const { rows } = await server.pool.query<{ s: number | null }>(
    `SELECT extract(epoch FROM tt.delivered_at - t.created_at)::float8 AS s
     FROM task_targets tt JOIN tasks t ON t.id = tt.task_id WHERE tt.task_id = $1`,
    [taskId],
  );
  return rows.map((r) => r.s);
}

async function createTask(agentIds: string[]): Promise<string> {
  const answer = await consoleCall<{ id: string }>(server, '/api/tasks', 'POST', {
    type: 'on-demand-scan',
    agentIds,
  });
  expect(answer.status).toBe(200);
  return answer.body.id;
}

describe('wake-up calls (smc simulate --wakeups on, built binary)', () => {
  it('delivers a task within 2 s with the broker up, at the interval with it stopped, losing nothing', async () => {
    // Subscribed, not only connected: a wake-up published between CONNACK and SUBACK is lost.
    await waitFor('3 push subscriptions', 30_000, async () =>
      (server.push?.subscribers ?? 0) >= AGENTS ? true : null,
    );
    const { rows } = await server.pool.query<{ id: string }>(
      'SELECT agent_id::text AS id FROM enrolled_agents',
    );
    const agentIds = rows.map((r) => r.id);
    expect(agentIds).toHaveLength(AGENTS);

    const woken = await createTask(agentIds);
    const fast = await waitFor('the woken delivery', 5_000, async () => {
      const seconds = await deliverySeconds(woken);
      return seconds.every((s) => s !== null) ? (seconds as number[]) : null;
    });
    for (const s of fast) expect(s).toBeLessThan(2);
    // A woken agent reports the result at once too.
    await waitFor('the results', 5_000, async () => {
      const { body } = await consoleCall<{ done: number; failed: number }>(
        server,
        `/api/tasks/${woken}`,
      );
      return body.done + body.failed === AGENTS ? true : null;
    });

    await server.push?.stop();
    const waiting = await createTask(agentIds);
    await waitFor(
      'the delivery at the interval',
      (INTERVAL_SECONDS * 1.1 + 3) * 1_000,
      async () => {
        const seconds = await deliverySeconds(waiting);
        return seconds.every((s) => s !== null) ? true : null;
      },
    );

    const [code] = await once(simulate, 'exit');
    expect(code).toBe(0);
    const run = JSON.parse(await readFile(path.join(dir, 'run.json'), 'utf8'));
    const push = run.meta.options.push;
    // Only the first task's wake-ups came: the second waited for each agent's own slot.
    expect(push.wakeups).toBe('on');
    expect(push.sessions.subscribedAtStart).toBe(AGENTS);
    expect(push.wakeupsReceived).toBe(AGENTS);
    expect(push.wakeupToReplication.samples).toBe(AGENTS);
    expect(run.meta.verify.lost).toBe(0);
    expect(run.meta.verify.logsAcknowledged).toBeGreaterThan(0);
    expect(stdout).toMatch(/Wake-up -> replication {2}p50 [\d.]+ ms/);
  }, 90_000);
});
