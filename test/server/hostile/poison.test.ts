import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ReplicateResponse } from '../../../protocol/index.js';
import type { RunningServer } from '../../../server/app.js';
import { TestAgent } from '../../support/agent-client.js';
import { RawJson, rawJson } from '../../support/raw-json.js';
import { enrollmentToken, testServer } from '../../support/server.js';

/**
 * The poison run: one enrolled agent keeps 50 bad bodies in flight (each of them once
 * failed the whole group-commit batch: 299 of 299 innocent replications failed in 15 s) while
 * 100 innocent agents replicate. Its bound is raised to 64 here so all 50 really are in flight
 * and parsed (by default it would get 429 past 4); they ride two sessions, 25 streams each
 * (a session takes 32 at once). Bounded: 8 s of load.
 */
const RUN_MS = 8_000;
const POISON_IN_FLIGHT = 50;
const INNOCENTS = 100;

let server: RunningServer;
beforeAll(async () => {
  server = await testServer({ maxInFlightPerAgent: 64 });
});
afterAll(() => server.close());

function poisonBody(agent: TestAgent, n: number): string {
  const base = agent.body();
  const log = (over: Record<string, unknown>) => ({
    ...base,
    logs: [{ seq: n + 1, type: 'event', time: '2026-01-01T00:00:00Z', data: {}, ...over }],
  });
  const kinds = [
    () => log({ data: { s: 'nul\u0000' } }),
    () => log({ data: { s: 'lone \ud800' } }),
    () => log({ time: '2026-02-30T00:00:00Z' }),
    () => log({ time: '9999-12-31T23:59:60Z' }),
    () => log({ seq: new RawJson('9223372036854775808') }),
    () => log({ seq: new RawJson('1e309') }),
    () => ({ ...base, policyVersion: 2 ** 31 }),
    () => log({ data: new RawJson(`${'['.repeat(5_000)}${']'.repeat(5_000)}`) }),
    () => ({ ...base, agent: { ...base.agent, hostname: 'x\u0000' } }),
  ];
  return rawJson((kinds[n % kinds.length] as () => unknown)());
}

it('one agent with 50 bad bodies in flight costs 100 innocent agents nothing', async () => {
  const token = await enrollmentToken(server, INNOCENTS + 1);
  const poison = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
  const innocents = await Promise.all(
    Array.from({ length: INNOCENTS }, () =>
      TestAgent.enroll(server.agentUrl, server.caCertPem, token),
    ),
  );
  const until = Date.now() + RUN_MS;
  const poisonStatus = new Map<number, number>();
  const innocentStatus = new Map<number, number>();
  const count = (map: Map<number, number>, status: number) =>
    map.set(status, (map.get(status) ?? 0) + 1);

  let sent = 0;
  const sessions = [poison, poison.at(server.agentUrl)];
  const poisonLane = async (lane: number) => {
    const session = sessions[lane % 2] as TestAgent;
    while (Date.now() < until) {
      const res = await session.replicate(null, poisonBody(poison, sent++));
      count(poisonStatus, res.status);
    }
  };
  const innocentLane = async (agent: TestAgent) => {
    while (Date.now() < until) {
      const res = await agent.replicate<ReplicateResponse>(agent.body({ logs: 3 }));
      count(innocentStatus, res.status);
      if (res.status === 200) expect(res.body.ack.logsThrough).toBe(agent.seq);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await Promise.all([
    ...Array.from({ length: POISON_IN_FLIGHT }, (_, lane) => poisonLane(lane)),
    ...innocents.map(innocentLane),
  ]);

  const innocentOk = innocentStatus.get(200) ?? 0;
  const innocentFailed = [...innocentStatus]
    .filter(([s]) => s !== 200)
    .reduce((n, [, c]) => n + c, 0);
  console.log(
    `poison: ${sent} bad bodies by status ${JSON.stringify(Object.fromEntries(poisonStatus))}; ` +
      `innocent: ${innocentOk} ok, ${innocentFailed} failed ${JSON.stringify(Object.fromEntries(innocentStatus))}`,
  );
  expect(innocentFailed).toBe(0);
  expect(innocentOk).toBeGreaterThan(INNOCENTS * 5);
  expect([...poisonStatus.keys()]).toEqual([400]);
  // Every innocent log acknowledged is stored; the poison agent stored nothing.
  const { rows } = await server.pool.query<{ agent_id: string; n: number }>(
    'SELECT agent_id, count(*)::int AS n FROM logs GROUP BY agent_id',
  );
  const stored = new Map(rows.map((r) => [r.agent_id, r.n]));
  expect(stored.has(poison.id)).toBe(false);
  for (const agent of innocents) expect(stored.get(agent.id)).toBe(agent.seq);
  for (const agent of [...sessions, ...innocents]) agent.close();
}, 60_000);
