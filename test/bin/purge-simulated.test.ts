import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadyFile } from '../../protocol/index.js';
import { httpsJson, TestAgent } from '../support/agent-client.js';
import { freshDatabase } from '../support/database.js';
import { runSmcAsync, SMC_BIN } from './run-cli.js';

let dir: string;
let server: ChildProcess;
let ready: ReadyFile;
let ca: string;
let adminToken: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'smc-purge-simulated-'));
  const readyFile = path.join(dir, 'ready.json');
  server = spawn(
    process.execPath,
    [
      SMC_BIN,
      'serve',
      '--data-dir',
      path.join(dir, 'server'),
      '--agent-port',
      '0',
      '--console-port',
      '0',
      '--database-url',
      await freshDatabase('purge'),
      '--ready-file',
      readyFile,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  for (let i = 0; i < 150 && !ready; i++) {
    ready = await readFile(readyFile, 'utf8').then(JSON.parse, () => undefined);
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  ca = await readFile(ready.caFile, 'utf8');
  adminToken = (await readFile(ready.adminTokenFile, 'utf8')).trim();
}, 60_000);

afterAll(async () => {
  if (server?.exitCode === null) {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
  await rm(dir, { recursive: true, force: true });
});

const get = async <T>(route: string) =>
  (await httpsJson<T>(`${ready.consoleUrl}${route}`, { ca, token: adminToken })).body;

describe('smc admin purge-simulated (built binary)', () => {
  it('deletes every simulated agent and all it stored, and leaves real agents alone', async () => {
    const dataDir = path.join(dir, 'server');
    const made = await runSmcAsync([
      'admin',
      'enrollment-token',
      '--data-dir',
      dataDir,
      '--console-url',
      ready.consoleUrl,
      '--uses',
      '3',
      '--json',
    ]);
    expect(made.status, made.stderr).toBe(0);
    const token = JSON.parse(made.stdout).token as string;
    const real = await Promise.all(
      [1, 2, 3].map(() => TestAgent.enroll(ready.agentUrl, ca, token)),
    );
    for (const agent of real)
      expect((await agent.replicate(agent.body({ logs: 4 }))).status).toBe(200);

    // A simulated fleet against the same server, as after rollout (its token is a simulation one).
    const simulated = await runSmcAsync([
      'simulate',
      '--target',
      ready.agentUrl,
      '--ca',
      ready.caFile,
      '--console-url',
      ready.consoleUrl,
      '--admin-token-file',
      ready.adminTokenFile,
      '--agents',
      '20',
      '--rate',
      '40/s',
      '--duration',
      '3s',
      '--verify',
    ]);
    expect(simulated.status, simulated.stderr).toBe(0);
    expect(await get('/api/stats')).toMatchObject({ computers: 3, simulatedComputers: 20 });
    expect(await get('/api/simulation')).toMatchObject({ simulatedAgents: 20 });

    const purged = await runSmcAsync([
      'admin',
      'purge-simulated',
      '--data-dir',
      dataDir,
      '--console-url',
      ready.consoleUrl,
    ]);
    expect(purged.status, purged.stderr).toBe(0);
    expect(purged.stdout).toMatch(/^deleted 20 simulated agents: 20 computers, \d+ logs/);
    expect(await get('/api/simulation')).toMatchObject({
      simulatedAgents: 0,
      simulatedComputers: 0,
      simulatedLogs: 0,
    });
    expect(await get('/api/stats')).toMatchObject({ computers: 3, simulatedComputers: 0 });
    expect(await get<{ total: number }>('/api/computers?simulated=include')).toMatchObject({
      total: 3,
    });
    // The real agents' logs are all still there.
    const audit = await httpsJson<{ agents: { stored: number }[] }>(
      `${ready.consoleUrl}/api/log-audit`,
      {
        ca,
        token: adminToken,
        body: { agents: real.map((a) => ({ agentId: a.id, through: 4 })) },
      },
    );
    expect(audit.body.agents.map((a) => a.stored)).toEqual([4, 4, 4]);
    for (const agent of real) agent.close();
  }, 120_000);
});
