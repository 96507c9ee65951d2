import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplicateResponse } from '../../../protocol/index.js';
import type { RunningServer } from '../../../server/app.js';
import { httpsJson, TestAgent } from '../../support/agent-client.js';
import { enrollmentToken, testServer } from '../../support/server.js';

let server: RunningServer;
let token: string;

beforeAll(async () => {
  // A replication waits this long for its batch: long enough to be caught in flight.
  server = await testServer({ groupCommit: { maxWaitMs: 1_500 }, push: false });
  token = await enrollmentToken(server);
});
afterAll(() => server.close());

async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('drain (rolling upgrade)', () => {
  it('refuses new replications with 503 + Retry-After, finishes the one in flight, says draining', async () => {
    const busy = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
    const late = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
    const ready = await httpsJson<{ ready: boolean }>(`${server.agentUrl}/readyz`, {
      ca: server.caCertPem,
    });
    expect(ready.status).toBe(200);

    const inFlight = busy.replicate<ReplicateResponse>(busy.body({ logs: 4 }));
    await until(() => server.drain.inFlight === 1, 'the replication to be admitted');
    let idle = false;
    const drained = server.drain.start().then(() => {
      idle = true;
    });
    expect(server.drain.draining).toBe(true);

    const refused = await late.replicate<{ error: { code: string; message: string } }>(
      late.body({ logs: 2 }),
    );
    expect(refused.status).toBe(503);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.body.error.code).toBe('SMC_UNAVAILABLE');
    expect(refused.body.error.message).toMatch(/draining/);
    // The admitted one is still being committed: the drain waits for it.
    expect(idle).toBe(false);

    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expect(answered.body.ack.logsThrough).toBe(4);
    await drained;
    expect(server.drain.inFlight).toBe(0);
    const { rows } = await server.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM logs WHERE agent_id = $1',
      [busy.id],
    );
    expect(rows[0]?.n).toBe(4);
    const none = await server.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM logs WHERE agent_id = $1',
      [late.id],
    );
    expect(none.rows[0]?.n).toBe(0);

    // The load balancer's probe sees the node out of rotation.
    const health = await httpsJson<{
      ready: boolean;
      reason: string;
      drain: { draining: boolean };
    }>(`${server.agentUrl}/readyz`, { ca: server.caCertPem });
    expect(health.status).toBe(503);
    expect(health.headers['retry-after']).toBeDefined();
    expect(health.body).toMatchObject({
      ready: false,
      reason: 'draining',
      drain: { draining: true },
    });

    // Quiet (nobody came for the quiet time, nothing in flight): safe to exit well within the bound.
    const settled = await server.drain.settle({ quietMs: 200, boundMs: 10_000 });
    expect(settled).toMatchObject({ timedOut: false, inFlight: 0 });
    busy.close();
    late.close();
  });
});
