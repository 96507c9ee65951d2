import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplicateResponse } from '../../protocol/index.js';
import type { RunningServer } from '../../server/app.js';
import { TestAgent } from '../support/agent-client.js';
import { consoleCall, enrollmentToken, testServer } from '../support/server.js';

let server: RunningServer;
let token: string;

beforeAll(async () => {
  server = await testServer();
  token = await enrollmentToken(server);
});
afterAll(() => server.close());

async function storedSeqs(agentId: string): Promise<number[]> {
  const { rows } = await server.pool.query<{ seq: number }>(
    'SELECT seq FROM logs WHERE agent_id = $1 ORDER BY seq',
    [agentId],
  );
  return rows.map((r) => r.seq);
}

describe('replication', () => {
  it('stores logs and acknowledges them after commit', async () => {
    const agent = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
    const res = await agent.replicate<ReplicateResponse>(agent.body({ logs: 5 }));
    expect(res.status).toBe(200);
    expect(res.body.ack.logsThrough).toBe(5);
    expect(res.body.next).toEqual({ intervalSeconds: 60, jitterSeconds: 6 });
    expect(res.body.policy).toBeNull();
    expect(await storedSeqs(agent.id)).toEqual([1, 2, 3, 4, 5]);
    const computer = await consoleCall<{ computer: { hostname: string } }>(
      server,
      `/api/computers/${agent.id}`,
    );
    expect(computer.body.computer.hostname).toBe(`pc-${agent.id.slice(0, 8)}`);
    agent.close();
  });

  it('treats a resend as a no-op', async () => {
    const agent = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
    const body = agent.body({ logs: 3 });
    await agent.replicate(body);
    const before = await server.pool.query('SELECT count(*)::int AS n FROM logs');
    const again = await agent.replicate<ReplicateResponse>(body);
    expect(again.body.ack.logsThrough).toBe(3);
    const after = await server.pool.query('SELECT count(*)::int AS n FROM logs');
    expect(after.rows[0].n).toBe(before.rows[0].n);
    expect(await storedSeqs(agent.id)).toEqual([1, 2, 3]);
    agent.close();
  });

  it('never advances the ack past a gap, and closes it when the missing log arrives', async () => {
    const agent = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
    await agent.replicate(agent.body({ seqs: [1, 2, 3] }));
    const gap = await agent.replicate<ReplicateResponse>(agent.body({ seqs: [5, 6] }));
    expect(gap.body.ack.logsThrough).toBe(3);
    expect(await storedSeqs(agent.id)).toEqual([1, 2, 3, 5, 6]);
    const filled = await agent.replicate<ReplicateResponse>(agent.body({ seqs: [4, 5, 6] }));
    expect(filled.body.ack.logsThrough).toBe(6);
    agent.close();
  });

  it('starts a new agent whose first log is not seq 1 at ack 0', async () => {
    const agent = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
    const res = await agent.replicate<ReplicateResponse>(agent.body({ seqs: [2, 3] }));
    expect(res.body.ack.logsThrough).toBe(0);
    agent.close();
  });

  it('answers concurrent replications from many agents in group commits', async () => {
    const agents = await Promise.all(
      Array.from({ length: 40 }, () => TestAgent.enroll(server.agentUrl, server.caCertPem, token)),
    );
    const results = await Promise.all(
      agents.map((a) => a.replicate<ReplicateResponse>(a.body({ logs: 5 }))),
    );
    expect(results.map((r) => r.status)).toEqual(agents.map(() => 200));
    expect(results.map((r) => r.body.ack.logsThrough)).toEqual(agents.map(() => 5));
    const stats = await consoleCall<{
      totals: { logsStored: number };
      computers: number;
      seenWithinInterval: number;
      withProblems: number;
    }>(server, '/api/stats');
    expect(stats.body.computers).toBeGreaterThanOrEqual(40);
    expect(stats.body.seenWithinInterval).toBe(stats.body.computers);
    expect(stats.body.withProblems).toBe(0);
    for (const a of agents) a.close();
  });

  it('records inventory only when its hash changes', async () => {
    const agent = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
    const hash = 'a'.repeat(64);
    await agent.replicate({
      ...agent.body(),
      inventory: { hash, hardware: { cpu: 'x' }, software: [] },
    });
    const first = await server.pool.query(
      'SELECT updated_at FROM inventories WHERE agent_id = $1',
      [agent.id],
    );
    await agent.replicate({ ...agent.body(), inventory: { hash } });
    await agent.replicate({
      ...agent.body(),
      inventory: { hash, hardware: { cpu: 'x' }, software: [] },
    });
    const second = await server.pool.query(
      'SELECT updated_at FROM inventories WHERE agent_id = $1',
      [agent.id],
    );
    expect(second.rows[0].updated_at).toEqual(first.rows[0].updated_at);
    await agent.replicate({
      ...agent.body(),
      inventory: { hash: 'b'.repeat(64), hardware: { cpu: 'y' } },
    });
    const third = await server.pool.query(
      'SELECT hash, hardware FROM inventories WHERE agent_id = $1',
      [agent.id],
    );
    expect(third.rows[0]).toEqual({ hash: 'b'.repeat(64), hardware: { cpu: 'y' } });
    agent.close();
  });
});

describe('OpenAPI', () => {
  it('describes the console and agent routes from their schemas', async () => {
    const { httpsJson } = await import('../support/agent-client.js');
    const consoleDoc = await httpsJson<{ paths: Record<string, unknown> }>(
      `${server.consoleUrl}/openapi.json`,
      { ca: server.caCertPem },
    );
    expect(Object.keys(consoleDoc.body.paths)).toEqual(
      expect.arrayContaining(['/api/tasks', '/api/stats', '/api/clones/{id}/resolve']),
    );
    const agentDoc = await httpsJson<{
      paths: Record<string, { post?: { requestBody?: unknown } }>;
    }>(`${server.agentUrl}/v1/openapi.json`, { ca: server.caCertPem });
    expect(agentDoc.body.paths['/v1/replicate']?.post?.requestBody).toBeDefined();
  });
});
