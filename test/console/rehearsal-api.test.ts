import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRequest } from '../../bin/cli/console-client.js';
import type { RehearsalUpdate } from '../../protocol/index.js';
import { judgeRehearsal, RehearsalFeed } from '../../rehearsal/index.js';
import type { RunningServer } from '../../server/app.js';
import { planDeployment } from '../../sizing/index.js';
import { failedFindings } from '../rehearsal/findings-fixture.js';
import { httpsJson } from '../support/agent-client.js';
import { consoleCall, testServer } from '../support/server.js';
import { finishedRehearsal } from './rehearsal-sample.js';

let server: RunningServer;
let reportsDir: string;

beforeAll(async () => {
  reportsDir = await mkdtemp(path.join(tmpdir(), 'smc-rehearsal-reports-'));
  await writeFile(path.join(reportsDir, 'fleet.html'), '<!doctype html><title>fleet</title>');
  await writeFile(path.join(reportsDir, 'secret.txt'), 'not for the console');
  server = await testServer({ rehearsalReportsDir: reportsDir });
});

afterAll(async () => {
  await server?.close();
});

type ErrorBody = { error: { code: string; message: string; field?: string } };

describe('console API: /api/rehearsal', () => {
  it('answers 404 before any rehearsal has reported', async () => {
    const res = await consoleCall<ErrorBody>(server, '/api/rehearsal');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('SMC_NOT_FOUND');
  });

  it('refuses a PUT or GET without the admin token', async () => {
    const url = `${server.consoleUrl}/api/rehearsal`;
    const put = await httpsJson(url, {
      ca: server.caCertPem,
      method: 'PUT',
      body: finishedRehearsal(),
    });
    expect(put.status).toBe(401);
    const get = await httpsJson(url, { ca: server.caCertPem, token: 'wrong' });
    expect(get.status).toBe(401);
    expect((await consoleCall(server, '/api/rehearsal')).status).toBe(404);
  });

  it('names the field of a bad body', async () => {
    const badPhase = { ...finishedRehearsal(), phase: 'warmup' };
    const res = await consoleCall<ErrorBody>(server, '/api/rehearsal', 'PUT', badPhase);
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('/phase');

    const sample = finishedRehearsal();
    const negative = {
      ...sample,
      series: [{ ...sample.series[0], p99Ms: -1 }],
    };
    const res2 = await consoleCall<ErrorBody>(server, '/api/rehearsal', 'PUT', negative);
    expect(res2.status).toBe(400);
    expect(res2.body.error.field).toBe('/series/0/p99Ms');

    const tooLong = {
      ...sample,
      series: Array.from({ length: 601 }, (_, second) => ({ ...sample.series[0], second })),
    };
    const res3 = await consoleCall<ErrorBody>(server, '/api/rehearsal', 'PUT', tooLong);
    expect(res3.status).toBe(400);
    expect(res3.body.error.field).toBe('/series');
    expect((await consoleCall(server, '/api/rehearsal')).status).toBe(404);
  });

  it('stores what was PUT and returns it with the time it arrived', async () => {
    const sent = finishedRehearsal();
    const put = await consoleCall(server, '/api/rehearsal', 'PUT', sent);
    expect(put.status).toBe(200);
    const got = await consoleCall<typeof sent & { updatedAt: string }>(server, '/api/rehearsal');
    expect(got.status).toBe(200);
    const { updatedAt, ...rest } = got.body;
    expect(rest).toEqual(sent);
    expect(Number.isNaN(Date.parse(updatedAt))).toBe(false);
  });

  it("accepts what smc rehearse's feed sends, even a failed run's NaN and Infinity", async () => {
    const plan = planDeployment({ clients: 100 });
    const feed = new RehearsalFeed(
      { url: server.consoleUrl, adminToken: server.adminToken, caPem: server.caCertPem },
      plan,
    );
    feed.addSecond({
      second: 0,
      scheduled: 10,
      completed: 0,
      ok: 0,
      failed: 10,
      late: 0,
      p50Ms: Number.NaN,
      p99Ms: Number.NaN,
      inFlight: 0,
      eventLoopLagP99Ms: 0,
      cpuPercent: 0,
    });
    feed.addReport('capacity.html');
    await feed.finish(judgeRehearsal(plan, failedFindings(100), { memoryBytes: 2 ** 34 }));
    expect(feed.failedPushes).toBe(0);
    const got = await consoleCall<RehearsalUpdate>(server, '/api/rehearsal');
    expect(got.body).toMatchObject({
      phase: 'done',
      clients: 100,
      series: [{ second: 0, scheduled: 10, failed: 10, p50Ms: 0, p99Ms: 0 }],
      verdict: { verdict: 'fail', recommendedIntervalSeconds: null },
      reports: ['capacity.html'],
    });
  });

  it('serves only the fixed report names from --rehearsal-reports, with the token', async () => {
    const fetch = (name: string, token = server.adminToken) =>
      consoleRequest<{ name: string; html: string }>({
        baseUrl: server.consoleUrl,
        path: `/api/rehearsal/reports/${name}`,
        method: 'GET',
        token,
        ca: server.caCertPem,
      });
    await expect(fetch('fleet.html')).resolves.toEqual({
      name: 'fleet.html',
      html: '<!doctype html><title>fleet</title>',
    });
    await expect(fetch('capacity.html')).rejects.toThrow(/404 capacity.html has not been written/);
    await expect(fetch('secret.txt')).rejects.toThrow(/400/);
    await expect(fetch('..%2Fsecret.txt')).rejects.toThrow(/400/);
    await expect(fetch('fleet.html', 'wrong')).rejects.toThrow(/401/);
  });
});
