import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.js';
import { purgeSimulatedAgents } from '../../server/simulation/purge.js';
import { consoleCall, testServer } from '../support/server.js';
import { runSmc, runSmcAsync } from './run-cli.js';

/*
 * `smc simulate --rogues N` against the real server: simulated sensors report the fleet's own
 * machines (the MACs and IPs their inventories carry) and N unmanaged ones; the run summary says
 * how the server judged them, and the judgement is the server's, read from its console API.
 */
const AGENTS = 20;
const ROGUES = 7;
let dir: string;
let server: RunningServer;
let tokenFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'smc-rogues-cli-'));
  server = await testServer({ intervalSeconds: 2 });
  tokenFile = path.join(dir, 'admin.token');
  await writeFile(tokenFile, server.adminToken);
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const sightings = async () =>
  (await server.pool.query('SELECT count(*)::int AS n FROM sightings')).rows[0].n as number;

describe('smc simulate --rogues (built binary, real server)', () => {
  it('needs the console (exit 2, one line naming the flag)', () => {
    const { status, stderr } = runSmc([
      'simulate',
      '--target',
      server.agentUrl,
      '--ca',
      server.caFile,
      '--enroll-token',
      'test-enroll-token',
      '--rogues',
      '3',
    ]);
    expect(status).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^smc: --rogues: needs --console-url/);
  });

  it('the server judges the planted machines rogue and the fleet managed', async () => {
    const json = path.join(dir, 'run.json');
    const run = await runSmcAsync(
      [
        'simulate',
        '--target',
        server.agentUrl,
        '--ca',
        server.caFile,
        '--console-url',
        server.consoleUrl,
        '--admin-token-file',
        tokenFile,
        '--agents',
        String(AGENTS),
        '--interval',
        '2s',
        // Three intervals: every agent has replicated (its inventory stored) before the judgement.
        '--duration',
        '6s',
        '--rogues',
        String(ROGUES),
        '--json',
        json,
      ],
      120_000,
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(
        `rogue detection: 1 sensor\\(s\\) reported ${AGENTS + ROGUES} machines \\(${ROGUES} unmanaged among ${AGENTS} of the fleet\\)`,
      ),
    );
    expect(run.stdout).toMatch(
      new RegExp(
        `server judged:  ${ROGUES} rogue, ${AGENTS} managed; planted found rogue ${ROGUES} of ${ROGUES}; fleet judged rogue 0`,
      ),
    );
    const written = JSON.parse(await readFile(json, 'utf8'));
    expect(written.meta.options.rogues).toMatchObject({
      reported: AGENTS + ROGUES,
      planted: ROGUES,
      judgedRogue: ROGUES,
      judgedManaged: AGENTS,
      missing: 0,
    });
    // The report's per-endpoint split has the sensors' requests beside the agents'.
    expect(written.endpoints.sightings.requests).toBeGreaterThan(0);
    expect(written.endpoints.sightings.errors).toBe(0);
    expect(written.endpoints.replicate.requests).toBe(written.derived.replications.completed);

    // The console agrees, and keeps simulated sightings out of its default view.
    const real = await consoleCall<{ total: number }>(server, '/api/rogue-machines');
    expect(real.body.total).toBe(0);
    const simulated = await consoleCall<{ total: number; items: { matchedBy: null }[] }>(
      server,
      '/api/rogue-machines?simulated=only&pageSize=500',
    );
    expect(simulated.body.total).toBe(ROGUES);
    const managed = await consoleCall<{ total: number; items: { matchedBy: string }[] }>(
      server,
      '/api/rogue-machines?simulated=only&judgement=managed&pageSize=500',
    );
    expect(managed.body.total).toBe(AGENTS);
    expect(managed.body.items.every((m) => m.matchedBy === 'mac')).toBe(true);

    // What the simulated sensors reported goes with the simulated agents.
    expect(await sightings()).toBe(AGENTS + ROGUES);
    await purgeSimulatedAgents(server.pool);
    expect(await sightings()).toBe(0);
  });
});
