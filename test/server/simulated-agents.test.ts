import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.js';
import { applyRetention } from '../../server/store/retention.js';
import { TestAgent } from '../support/agent-client.js';
import { consoleCall, enrollmentToken, testServer } from '../support/server.js';

let server: RunningServer;
let plain: RunningServer;

beforeAll(async () => {
  [server, plain] = await Promise.all([testServer({ allowSimulationSeed: true }), testServer()]);
});
afterAll(async () => {
  await Promise.all([server?.close(), plain?.close()]);
});

async function simulationToken(target: RunningServer, uses: number): Promise<string> {
  const made = await consoleCall<{ token: string; simulation: boolean }>(
    target,
    '/api/enrollment-tokens',
    'POST',
    { uses, ttlSeconds: 600, simulation: true },
  );
  expect(made.status).toBe(200);
  expect(made.body.simulation).toBe(true);
  return made.body.token;
}

const count = async (sql: string, values: unknown[] = []) =>
  (await server.pool.query<{ n: number }>(sql, values)).rows[0]?.n;

describe('simulated agents', () => {
  const real: TestAgent[] = [];
  const simulated: TestAgent[] = [];

  it('are tagged by their token and left out of the default views and counts', async () => {
    const realToken = await enrollmentToken(server, 2);
    const simToken = await simulationToken(server, 3);
    for (let i = 0; i < 2; i++)
      real.push(await TestAgent.enroll(server.agentUrl, server.caCertPem, realToken));
    for (let i = 0; i < 3; i++)
      simulated.push(await TestAgent.enroll(server.agentUrl, server.caCertPem, simToken));
    for (const agent of [...real, ...simulated]) {
      const reply = await agent.replicate(agent.body({ logs: 3 }));
      expect(reply.status).toBe(200);
    }
    const ids = (page: { items: { agentId: string }[] }) => page.items.map((c) => c.agentId).sort();
    const listed = await consoleCall<{ total: number; items: { agentId: string }[] }>(
      server,
      '/api/computers',
    );
    expect(listed.body.total).toBe(2);
    expect(ids(listed.body)).toEqual(real.map((a) => a.id).sort());
    const only = await consoleCall<{ total: number; items: { agentId: string }[] }>(
      server,
      '/api/computers?simulated=only',
    );
    expect(ids(only.body)).toEqual(simulated.map((a) => a.id).sort());
    const all = await consoleCall<{ total: number }>(server, '/api/computers?simulated=include');
    expect(all.body.total).toBe(5);
    const stats = await consoleCall<{
      computers: number;
      simulatedComputers: number;
      seenWithinInterval: number;
    }>(server, '/api/stats');
    expect(stats.body).toMatchObject({
      computers: 2,
      simulatedComputers: 3,
      seenWithinInterval: 2,
    });
    const status = await consoleCall<{ simulatedAgents: number; seedAllowed: boolean }>(
      server,
      '/api/simulation',
    );
    expect(status.body).toMatchObject({ simulatedAgents: 3, seedAllowed: true });
  });

  it('get a seeded history only where seeding is on, and continue after it', async () => {
    const refused = await consoleCall(plain, '/api/simulation/seed', 'POST', {
      agentIds: [randomUUID()],
      logsPerAgent: 5,
    });
    expect(refused.status).toBe(403);
    // A real agent named in a seed is skipped, never tagged; an unknown id (an identity from
    // an earlier rehearsal) is tagged simulated.
    const reused = randomUUID();
    const seeded = await consoleCall<{
      agents: number;
      skipped: number;
      logsStored: number;
      databaseBytes: number;
    }>(server, '/api/simulation/seed', 'POST', {
      agentIds: [...simulated.map((a) => a.id), reused, real[0]?.id],
      logsPerAgent: 30,
    });
    expect(seeded.status).toBe(200);
    expect(seeded.body.agents).toBe(4);
    expect(seeded.body.skipped).toBe(1);
    // Seqs 1..3 of the simulated agents were stored by their replication already.
    expect(seeded.body.logsStored).toBe(3 * 27 + 30);
    expect(seeded.body.databaseBytes).toBeGreaterThan(1_000_000);
    // The history sits well inside every retention (the shortest is 30 days): even a 15-day
    // one deletes none of it, so no retention job mid-rehearsal turns an acknowledged log
    // into a "lost" one.
    const held = await count('SELECT count(*)::int AS n FROM logs');
    const fortnight = { detection: 15, firewall: 15, hips: 15, scan: 15, audit: 15, event: 15 };
    expect((await applyRetention(server.pool, fortnight)).deleted).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM logs')).toBe(held);
    expect(
      await count('SELECT count(*)::int AS n FROM logs WHERE agent_id = $1', [real[0]?.id]),
    ).toBe(3);
    // The agent's own logs continue after the history: seq 31 moves the ack to 31.
    const agent = simulated[0] as TestAgent;
    const next = await agent.replicate<{ ack: { logsThrough: number } }>(
      agent.body({ seqs: [31, 32] }),
    );
    expect(next.body.ack.logsThrough).toBe(32);
    const bad = await consoleCall(server, '/api/simulation/seed', 'POST', {
      agentIds: ['not-a-uuid'],
      logsPerAgent: 1,
    });
    expect(bad.status).toBe(400);
  });

  it('are purged with everything they stored; real agents stay as they were', async () => {
    const realLogs = await count(
      'SELECT count(*)::int AS n FROM logs WHERE agent_id = ANY($1::uuid[])',
      [real.map((a) => a.id)],
    );
    const purged = await consoleCall<{
      agents: number;
      computers: number;
      logs: number;
      tokens: number;
    }>(server, '/api/simulation/purge', 'POST');
    expect(purged.status).toBe(200);
    expect(purged.body).toMatchObject({ agents: 4, computers: 3, tokens: 1 });
    expect(purged.body.logs).toBe(3 * 30 + 2 + 30);
    const simIds = [...simulated.map((a) => a.id)];
    for (const table of ['computers', 'logs', 'inventories', 'agent_state', 'enrolled_agents']) {
      expect(
        await count(`SELECT count(*)::int AS n FROM ${table} WHERE agent_id = ANY($1::uuid[])`, [
          simIds,
        ]),
        table,
      ).toBe(0);
    }
    expect(await count('SELECT count(*)::int AS n FROM enrolled_agents WHERE simulated')).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM enrollment_tokens WHERE simulation')).toBe(
      0,
    );
    expect(await count('SELECT count(*)::int AS n FROM computers')).toBe(2);
    expect(
      await count('SELECT count(*)::int AS n FROM logs WHERE agent_id = ANY($1::uuid[])', [
        real.map((a) => a.id),
      ]),
    ).toBe(realLogs);
    for (const agent of [...real, ...simulated]) agent.close();
  });
});
