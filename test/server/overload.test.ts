import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplicateResponse } from '../../protocol/index.js';
import type { RunningServer } from '../../server/app.js';
import { LoadGovernor } from '../../server/ingest/load-governor.js';
import { TestAgent } from '../support/agent-client.js';
import { consoleCall, enrollmentToken, testServer } from '../support/server.js';

let server: RunningServer;

beforeAll(async () => {
  // A deliberately tiny queue: one batch of one at a time, at most 4 waiting.
  server = await testServer({ groupCommit: { maxBatch: 1, concurrency: 1, maxQueued: 4 } });
});
afterAll(() => server.close());

function metricsText(): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(`${server.consoleUrl}/metrics`, { ca: server.caCertPem }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
}

describe('overload', () => {
  it('sheds with 503 + Retry-After past the queue bound, and every 200 is stored', async () => {
    const token = await enrollmentToken(server, 200);
    const agents = await Promise.all(
      Array.from({ length: 60 }, () => TestAgent.enroll(server.agentUrl, server.caCertPem, token)),
    );
    const results = await Promise.all(
      agents.map((a) => a.replicate<ReplicateResponse>(a.body({ logs: 2 }))),
    );
    const shed = results.filter((r) => r.status === 503);
    const ok = results.filter((r) => r.status === 200);
    expect(shed.length).toBeGreaterThan(0);
    expect(ok.length).toBeGreaterThan(0);
    expect(shed.length + ok.length).toBe(agents.length);
    for (const r of shed) expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const { rows } = await server.pool.query('SELECT count(*)::int AS n FROM logs');
    expect(rows[0].n).toBe(ok.length * 2);
    const stats = await consoleCall<{ totals: { shed: number } }>(server, '/api/stats');
    expect(stats.body.totals.shed).toBe(shed.length);
    // The counter operators alert on says the same (issue 20: shed 503s on /metrics).
    expect(await metricsText()).toContain(`smc_replications_total{outcome="shed"} ${shed.length}`);
    for (const a of agents) a.close();
  });
});

describe('adaptive interval', () => {
  it('stretches the interval as commit utilisation passes the target, within 4x, and relaxes', () => {
    const governor = new LoadGovernor({ baseIntervalSeconds: 600 });
    let busy = 0;
    let now = 0;
    const second = (utilisation: number) => {
      now += 1_000;
      busy += utilisation * 1_000 * 3;
      governor.sample(busy, 3, now);
    };
    for (let i = 0; i < 5; i++) second(0.3);
    expect(governor.intervalSeconds).toBe(600);
    for (let i = 0; i < 20; i++) second(1);
    expect(governor.stretch).toBeGreaterThan(1.3);
    expect(governor.stretch).toBeLessThanOrEqual(4);
    const high = governor.intervalSeconds;
    for (let i = 0; i < 60; i++) second(0.1);
    expect(governor.intervalSeconds).toBeLessThan(high);
  });
});
