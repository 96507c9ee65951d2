import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplicateRequest } from '../../protocol/index.js';
import type { RunningServer } from '../../server/app.js';
import { fingerprintOf, httpsJson, TestAgent } from '../support/agent-client.js';
import { consoleCall, enrollmentToken, testServer } from '../support/server.js';

/**
 * The console routes of issue 20 against a real server with real agents: the rate series
 * kept on the server, log search, sorting, the protection reasons, the audit trail, trends,
 * and the form schemas the server enforces. Every bad query parameter is a 400 naming it.
 */
let server: RunningServer;
let agents: TestAgent[];
const WAIT = { timeout: 20_000, interval: 200 };

type Body = ReplicateRequest;
const withDetection = (body: Body, text: string): Body => ({
  ...body,
  logs: body.logs.map((log, i) =>
    i === 0 ? { ...log, type: 'detection', data: { threat: text, action: 'cleaned' } } : log,
  ),
});

beforeAll(async () => {
  server = await testServer();
  const token = await enrollmentToken(server);
  agents = await Promise.all(
    Array.from({ length: 3 }, () => TestAgent.enroll(server.agentUrl, server.caCertPem, token)),
  );
  const [a, b, c] = agents as [TestAgent, TestAgent, TestAgent];
  // a: a detection and a week-old module update, reported as warning.
  const warned = withDetection(a.body({ logs: 2 }), 'Win32/Trojan.Agent.ZZQ');
  warned.status = {
    ...warned.status,
    protection: 'warning',
    lastUpdate: new Date(Date.now() - 7 * 86_400_000).toISOString(),
  };
  warned.agent = { ...warned.agent, version: '11.1.2' };
  expect((await a.replicate(warned)).status).toBe(200);
  const older = b.body({ logs: 2 });
  older.agent = { ...older.agent, version: '10.0.9' };
  expect((await b.replicate(older)).status).toBe(200);
  expect((await c.replicate(c.body({ logs: 1 }))).status).toBe(200);
});

afterAll(async () => {
  for (const agent of agents ?? []) agent.close();
  await server?.close();
});

describe('rate series kept on the server', () => {
  it('serves samples with rates and estimated percentiles, and only newer ones with ?since', async () => {
    // Keep replicating until a sample window saw them (samples are every 2 s).
    const [, , c] = agents as [TestAgent, TestAgent, TestAgent];
    let samples: {
      at: number;
      replicationsPerSecond: number;
      p50Ms: number | null;
      p99Ms: number | null;
    }[] = [];
    await expect
      .poll(async () => {
        await c.replicate(c.body());
        const res = await consoleCall<{ samples: typeof samples }>(server, '/api/stats/series');
        samples = res.body.samples;
        return samples.some((s) => s.replicationsPerSecond > 0 && s.p99Ms !== null);
      }, WAIT)
      .toBe(true);
    const busy = samples.find((s) => s.replicationsPerSecond > 0 && s.p99Ms !== null);
    expect(busy?.p50Ms).toBeGreaterThan(0);
    expect(busy?.p99Ms).toBeGreaterThanOrEqual(busy?.p50Ms ?? 0);
    const last = samples.at(-1)?.at ?? 0;
    const newer = await consoleCall<{ samples: { at: number }[] }>(
      server,
      `/api/stats/series?since=${last}`,
    );
    expect(newer.body.samples.every((s) => s.at > last)).toBe(true);
    const bad = await consoleCall<{ error: { field: string } }>(
      server,
      '/api/stats/series?since=soon',
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('/since');
  });
});

describe('log search', () => {
  it('finds text across computers, filters by type and computer, and names a bad parameter', async () => {
    const found = await consoleCall<{ items: { hostname: string; type: string; data: unknown }[] }>(
      server,
      '/api/logs?q=trojan.agent',
    );
    expect(found.status).toBe(200);
    expect(found.body.items).toHaveLength(1);
    expect(found.body.items[0]).toMatchObject({
      type: 'detection',
      data: { threat: 'Win32/Trojan.Agent.ZZQ' },
    });
    const all = await consoleCall<{ items: unknown[] }>(server, '/api/logs');
    expect(all.body.items.length).toBeGreaterThanOrEqual(5);
    const events = await consoleCall<{ items: { type: string }[] }>(server, '/api/logs?type=event');
    expect(events.body.items.length).toBe(all.body.items.length - 1);
    const [, b] = agents as [TestAgent, TestAgent];
    const one = await consoleCall<{ items: { agentId: string }[] }>(
      server,
      `/api/logs?agentId=${b.id}`,
    );
    expect(one.body.items.map((i) => i.agentId)).toEqual([b.id, b.id]);
    // LIKE wildcards are text, not patterns.
    const literal = await consoleCall<{ items: unknown[] }>(server, '/api/logs?q=%25');
    expect(literal.body.items).toHaveLength(0);
    const paged = await consoleCall<{ items: unknown[]; more: boolean }>(
      server,
      '/api/logs?pageSize=2',
    );
    expect(paged.body).toMatchObject({ more: true });
    expect(paged.body.items).toHaveLength(2);
    for (const [query, field] of [
      ['type=virus', '/type'],
      ['pageSize=5000', '/pageSize'],
      ['hours=0', '/hours'],
      ['agentId=nope', '/agentId'],
      ['colour=red', '/colour'],
    ]) {
      const res = await consoleCall<{ error: { field: string } }>(server, `/api/logs?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.field, query).toBe(field);
    }
  });
});

describe('computers list', () => {
  it('sorts on the server by agent version both ways and shows the version', async () => {
    const up = await consoleCall<{ items: { agentVersion: string }[] }>(
      server,
      '/api/computers?sort=agentVersion',
    );
    expect(up.body.items.map((c) => c.agentVersion)).toEqual(['1.0.0', '10.0.9', '11.1.2']);
    const down = await consoleCall<{ items: { agentVersion: string }[] }>(
      server,
      '/api/computers?sort=agentVersion&order=desc',
    );
    expect(down.body.items.map((c) => c.agentVersion)).toEqual(['11.1.2', '10.0.9', '1.0.0']);
    const byIp = await consoleCall<{ items: { ip: string | null }[] }>(
      server,
      '/api/computers?sort=ip',
    );
    expect(byIp.status).toBe(200);
    // Reported from the inventory: these agents sent none yet.
    expect(byIp.body.items.map((c) => c.ip)).toEqual([null, null, null]);
    const bad = await consoleCall<{ error: { field: string } }>(server, '/api/computers?sort=ram');
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('/sort');
  });

  it('says why protection is not ok', async () => {
    const [a, b] = agents as [TestAgent, TestAgent];
    const detail = await consoleCall<{ protectionReasons: string[] }>(
      server,
      `/api/computers/${a.id}`,
    );
    expect(detail.body.protectionReasons).toEqual([
      'detection modules last updated 7 day(s) ago (over a day old)',
      '1 detection in the last 24 hours',
    ]);
    const fine = await consoleCall<{ protectionReasons: string[] }>(
      server,
      `/api/computers/${b.id}`,
    );
    expect(fine.body.protectionReasons).toEqual([]);
  });
});

describe('form schemas', () => {
  it('serves the policy and task schemas and enforces them on the API', async () => {
    const schemas = await consoleCall<{
      policy: { properties: Record<string, { type?: string }> };
      tasks: Record<string, { properties: Record<string, unknown>; required?: string[] }>;
    }>(server, '/api/form-schemas');
    expect(schemas.status).toBe(200);
    expect(schemas.body.policy.properties.scanOnAccess?.type).toBe('boolean');
    expect(Object.keys(schemas.body.tasks).sort()).toEqual([
      'inventory-refresh',
      'modules-update',
      'on-demand-scan',
      'run-command',
      'software-install',
      'upgrade-agent',
    ]);
    expect(schemas.body.tasks['software-install']?.required).toEqual(['package']);

    const badPolicy = await consoleCall<{ error: { field: string } }>(
      server,
      '/api/policy',
      'PUT',
      {
        settings: { updateIntervalMinutes: 5 },
      },
    );
    expect(badPolicy.status).toBe(400);
    expect(badPolicy.body.error.field).toBe('/settings/updateIntervalMinutes');
    // Keys the schema does not know still pass (scripts keep their own).
    const open = await consoleCall(server, '/api/policy', 'PUT', {
      settings: { scanOnAccess: true, custom: 1 },
    });
    expect(open.status).toBe(200);

    const [a] = agents as [TestAgent];
    const noPackage = await consoleCall<{ error: { field: string } }>(
      server,
      '/api/tasks',
      'POST',
      {
        type: 'software-install',
        params: {},
        agentIds: [a.id],
      },
    );
    expect(noPackage.status).toBe(400);
    expect(noPackage.body.error.field).toBe('/params/package');
    const badProfile = await consoleCall<{ error: { field: string } }>(
      server,
      '/api/tasks',
      'POST',
      {
        type: 'on-demand-scan',
        params: { profile: 'quick' },
        agentIds: [a.id],
      },
    );
    expect(badProfile.body.error.field).toBe('/params/profile');
  });
});

describe('audit trail', () => {
  it('records changes (not reads, not refused tokens) without secrets, newest first', async () => {
    // The audit row of a change is written after its answer: the earlier tests' last ones may
    // still be on their way. Start from a count that has stopped moving.
    const auditTotal = async () =>
      (await consoleCall<{ total: number }>(server, '/api/audit')).body.total;
    let settled = await auditTotal();
    for (let same = 0; same < 3; ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const now = await auditTotal();
      same = now === settled ? same + 1 : 0;
      settled = now;
    }
    const before = { body: { total: settled } };
    await consoleCall(server, '/api/computers');
    await consoleCall(server, '/api/enrollment-tokens', 'POST', { uses: 3, ttlSeconds: 600 });
    // Its row first, so "newest first" below does not race the two writes.
    await expect.poll(auditTotal, WAIT).toBe(before.body.total + 1);
    const refused = await httpsJson(`${server.consoleUrl}/api/policy`, {
      ca: server.caCertPem,
      token: 'not-the-admin-token',
      method: 'PUT',
      body: { settings: {} },
    });
    expect(refused.status).toBe(401);
    await consoleCall(server, '/api/policy', 'PUT', { settings: { hipsEnabled: true } });
    await expect.poll(auditTotal, WAIT).toBe(before.body.total + 2);
    const trail = await consoleCall<{
      items: { route: string; method: string; status: number; summary: Record<string, unknown> }[];
    }>(server, '/api/audit?pageSize=2');
    expect(trail.body.items.map((i) => [i.method, i.route, i.status])).toEqual([
      ['PUT', '/api/policy', 200],
      ['POST', '/api/enrollment-tokens', 200],
    ]);
    expect(trail.body.items[0]?.summary).toEqual({ settings: { hipsEnabled: true } });
    expect(JSON.stringify(trail.body)).not.toContain('token"');
    const bad = await consoleCall<{ error: { field: string } }>(server, '/api/audit?page=0');
    expect(bad.body.error.field).toBe('/page');
  });
});

describe('trends', () => {
  it('counts detections and enrolments per day and samples offline computers', async () => {
    const trends = await consoleCall<{
      detectionsPerDay: { day: string; count: number }[];
      enrolledPerDay: { count: number }[];
      offline: { offline: number; total: number }[];
    }>(server, '/api/trends?days=3');
    expect(trends.status).toBe(200);
    expect(trends.body.detectionsPerDay).toHaveLength(3);
    expect(trends.body.detectionsPerDay.at(-1)).toEqual({
      day: new Date().toISOString().slice(0, 10),
      count: 1,
    });
    expect(trends.body.enrolledPerDay.at(-1)?.count).toBe(3);
    expect(trends.body.offline.length).toBeGreaterThanOrEqual(1);
    const bad = await consoleCall<{ error: { field: string } }>(server, '/api/trends?days=900');
    expect(bad.body.error.field).toBe('/days');
  });

  it('keeps the clone question answerable from the computer page', async () => {
    const [, , c] = agents as [TestAgent, TestAgent, TestAgent];
    await c.replicate(c.body({ fingerprint: fingerprintOf('cloned disk') }));
    const detail = await consoleCall<{ openClone: { id: string } | null }>(
      server,
      `/api/computers/${c.id}`,
    );
    expect(detail.body.openClone?.id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
