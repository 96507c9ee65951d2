import { afterAll, beforeAll, expect, it } from 'vitest';
import { type LogEntry, logContentHash, type ReplicateResponse } from '../../../protocol/index.js';
import type { RunningServer } from '../../../server/app.js';
import { type HttpResult, httpsJson, TestAgent } from '../../support/agent-client.js';
import { OwnPostgres } from '../../support/postgres-cluster.js';
import { enrollmentToken, testServer } from '../../support/server.js';

/**
 * An external PostgreSQL (the test's own cluster) stopped and then frozen mid-run while 20
 * agents replicate: while it is away every answer is 503 + Retry-After (never a 500, never a
 * hang), /healthz and /readyz say so, /api/stats answers at once; service comes back by itself
 * after each outage; and every acknowledged log is stored with the content that was sent.
 */
const AGENTS = 20;
/** A client that has not been answered after this long counts as a hang. */
const HANG_MS = 15_000;

let cluster: OwnPostgres;
let server: RunningServer;
const errorLines: string[] = [];

beforeAll(async () => {
  cluster = await OwnPostgres.start('outage');
  server = await testServer({
    databaseUrl: cluster.url,
    databaseHealth: { probeEveryMs: 500, probeWhileDownMs: 250, probeTimeoutMs: 1_000 },
    errorLog: (line) => errorLines.push(line),
  });
}, 120_000);
afterAll(async () => {
  await server?.close();
  await cluster?.remove();
});

type Sample = { at: number; status: number; retryAfter: boolean };

function withDeadline<T>(work: Promise<T>): Promise<T | 'hang'> {
  return Promise.race([
    work,
    new Promise<'hang'>((resolve) => setTimeout(() => resolve('hang'), HANG_MS).unref()),
  ]);
}

const health = () =>
  withDeadline(
    httpsJson<{ ok: boolean }>(`${server.consoleUrl}/healthz`, { ca: server.caCertPem }),
  );

async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await check()) return Date.now();
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

it('answers 503 + Retry-After while PostgreSQL is stopped or frozen, recovers alone, loses nothing', async () => {
  const token = await enrollmentToken(server, AGENTS);
  const agents = await Promise.all(
    Array.from({ length: AGENTS }, () =>
      TestAgent.enroll(server.agentUrl, server.caCertPem, token),
    ),
  );
  const acked = new Map<string, number>(agents.map((a) => [a.id, 0]));
  const sent = new Map<string, Map<number, LogEntry>>(agents.map((a) => [a.id, new Map()]));
  const samples: Sample[] = [];
  let hangs = 0;
  let running = true;
  const t0 = Date.now();

  const lane = async (agent: TestAgent) => {
    while (running) {
      // Resend everything not acknowledged, plus one new log, as a good agent does.
      const through = acked.get(agent.id) as number;
      const seqs = Array.from({ length: agent.seq - through }, (_, i) => through + 1 + i);
      const body = agent.body({ seqs: [...seqs, ++agent.seq] });
      for (const log of body.logs) sent.get(agent.id)?.set(log.seq, log);
      const res = await withDeadline(agent.replicate<ReplicateResponse>(body).catch(() => null));
      if (res === 'hang') {
        hangs += 1;
        continue;
      }
      if (res === null) continue; // a connection cut by the server's own shutdown of a stream
      samples.push({
        at: Date.now() - t0,
        status: res.status,
        retryAfter: Boolean(res.headers['retry-after']),
      });
      if (res.status === 200) acked.set(agent.id, Math.max(through, res.body.ack.logsThrough));
      await new Promise((r) => setTimeout(r, res.status === 200 ? 50 : 250));
    }
  };
  const lanes = agents.map(lane);

  const timeline: Record<string, number> = {};
  const mark = (name: string) => {
    timeline[name] = Date.now() - t0;
  };
  const first = (status: number, after: number) =>
    samples.find((s) => s.at >= after && s.status === status)?.at;

  await new Promise((r) => setTimeout(r, 1_500));

  // 1. Stopped.
  mark('stopped');
  await cluster.down();
  await until('healthz not ok', async () => {
    const res = await health();
    return res !== 'hang' && res.status === 503 && res.body.ok === false;
  });
  mark('healthz503');
  const ready = await httpsJson(`${server.consoleUrl}/readyz`, { ca: server.caCertPem });
  expect(ready.status).toBe(503);
  const statsStarted = Date.now();
  const stats = await withDeadline(
    httpsJson(`${server.consoleUrl}/api/stats`, { ca: server.caCertPem, token: server.adminToken }),
  );
  expect(stats).not.toBe('hang');
  expect((stats as HttpResult).status).toBe(503);
  expect(Date.now() - statsStarted).toBeLessThan(2_000);
  await new Promise((r) => setTimeout(r, 2_000));
  mark('restarting');
  await cluster.up();
  mark('restarted');
  await until(
    'replications stored again',
    async () => (first(200, timeline.restarted as number) ?? 0) > 0,
  );
  await until('healthz ok', async () => {
    const res = await health();
    return res !== 'hang' && res.status === 200;
  });
  mark('healthz200');
  await new Promise((r) => setTimeout(r, 1_000));

  // 2. Frozen.
  mark('frozen');
  await cluster.freeze();
  await until('healthz not ok while frozen', async () => {
    const res = await health();
    return res !== 'hang' && res.status === 503;
  });
  mark('frozenHealthz503');
  const frozenStats = await withDeadline(
    httpsJson(`${server.consoleUrl}/api/stats`, { ca: server.caCertPem, token: server.adminToken }),
  );
  expect(frozenStats).not.toBe('hang');
  expect((frozenStats as HttpResult).status).toBe(503);
  await new Promise((r) => setTimeout(r, 3_000));
  mark('thawed');
  cluster.thaw();
  await until(
    'replications stored after the thaw',
    async () => (first(200, timeline.thawed as number) ?? 0) > 0,
  );
  await until('healthz ok after the thaw', async () => {
    const res = await health();
    return res !== 'hang' && res.status === 200;
  });
  mark('thawHealthz200');
  await new Promise((r) => setTimeout(r, 1_000));
  running = false;
  await Promise.all(lanes);

  const byStatus = (from: number, to: number) => {
    const counts: Record<number, number> = {};
    for (const s of samples)
      if (s.at >= from && s.at < to) counts[s.status] = (counts[s.status] ?? 0) + 1;
    return counts;
  };
  const report = {
    timeline,
    firstReplication503AfterStop: first(503, timeline.stopped as number),
    firstReplication200AfterRestart: first(200, timeline.restarted as number),
    firstReplication503AfterFreeze: first(503, timeline.frozen as number),
    firstReplication200AfterThaw: first(200, timeline.thawed as number),
    statusesWhileStopped: byStatus(timeline.stopped as number, timeline.restarted as number),
    statusesWhileFrozen: byStatus(timeline.frozen as number, timeline.thawed as number),
    statusesOverall: byStatus(0, Number.POSITIVE_INFINITY),
    hangs,
  };
  console.log(`outage timeline (ms from start): ${JSON.stringify(report)}`);

  expect(hangs).toBe(0);
  expect(samples.filter((s) => s.status >= 500 && s.status !== 503)).toEqual([]);
  expect(samples.filter((s) => s.status === 503 && !s.retryAfter)).toEqual([]);
  expect(report.statusesWhileStopped[503]).toBeGreaterThan(0);
  expect(report.statusesWhileFrozen[503]).toBeGreaterThan(0);
  // Frozen: the first 503 comes from the probe's timeout (1 s here), not a client giving up.
  expect(
    (report.firstReplication503AfterFreeze as number) - (timeline.frozen as number),
  ).toBeLessThan(5_000);

  // The error log told the story in a few structured lines, without a stack trace.
  const logged = errorLines.map((line) => JSON.parse(line) as Record<string, unknown>);
  console.log(`error log: ${logged.length} lines for ${report.statusesOverall[503]} 503s`);
  expect(logged.length).toBeLessThan(30);
  expect(logged.filter((l) => 'stack' in l)).toEqual([]);
  expect(logged.map((l) => l.msg)).toContain('database unavailable');
  expect(logged.map((l) => l.msg)).toContain('database available again');

  // Nothing acknowledged is lost, and what is stored is what was sent.
  for (const agent of agents) {
    const through = acked.get(agent.id) as number;
    const { rows } = await server.pool.query<{ seq: number; content_hash: Buffer }>(
      'SELECT seq, content_hash FROM logs WHERE agent_id = $1 AND seq <= $2 ORDER BY seq',
      [agent.id, through],
    );
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: through }, (_, i) => i + 1));
    for (const row of rows) {
      const log = sent.get(agent.id)?.get(row.seq) as LogEntry;
      expect(row.content_hash.equals(logContentHash(log))).toBe(true);
    }
    agent.close();
  }
}, 120_000);
