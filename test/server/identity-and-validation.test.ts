import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, MAX_LOGS_PER_REPLICATION } from '../../protocol/index.js';
import type { RunningServer } from '../../server/app.js';
import { httpsJson, TestAgent } from '../support/agent-client.js';
import { foreignIdentity } from '../support/foreign-identity.js';
import { enrollmentToken, testServer } from '../support/server.js';

let server: RunningServer;
let token: string;
let agent: TestAgent;

beforeAll(async () => {
  server = await testServer();
  token = await enrollmentToken(server);
  agent = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
});
afterAll(async () => {
  agent.close();
  await server.close();
});

const logCount = async () =>
  (await server.pool.query('SELECT count(*)::int AS n FROM logs')).rows[0].n as number;

describe('identity', () => {
  it('refuses a replication without a client certificate (401)', async () => {
    const res = await httpsJson<{ error: { code: string } }>(`${server.agentUrl}/v1/replicate`, {
      ca: server.caCertPem,
      body: agent.body({ logs: 1 }),
    });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('SMC_UNAUTHENTICATED');
  });

  it('refuses a certificate from another CA even with a valid agent id (401)', async () => {
    const rogue = await foreignIdentity(agent.id);
    const res = await httpsJson(`${server.agentUrl}/v1/replicate`, {
      ca: server.caCertPem,
      ...rogue,
      body: agent.body({ logs: 1 }),
    });
    expect(res.status).toBe(401);
  });

  it('refuses a body that claims another agent (403) and stores nothing', async () => {
    const other = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
    const before = await logCount();
    const res = await agent.replicate<{ error: { code: string; field: string } }>(
      other.body({ logs: 2 }),
    );
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'SMC_FORBIDDEN', field: '/agent/id' });
    expect(await logCount()).toBe(before);
    other.close();
  });

  it('refuses enrollment with an unknown, used-up or expired token', async () => {
    const { csrPem } = await import('../server/pki/make-agent-csr.js').then((m) =>
      m.makeAgentCsr(),
    );
    const unknown = await httpsJson<{ error: { message: string } }>(
      `${server.agentUrl}/v1/enroll`,
      {
        ca: server.caCertPem,
        body: { token: 'smc_not-a-real-token', csr: csrPem },
      },
    );
    expect(unknown.status).toBe(403);
    expect(unknown.body.error.message).toMatch(/not known/);
    const once = await enrollmentToken(server, 1);
    await TestAgent.enroll(server.agentUrl, server.caCertPem, once);
    const used = await httpsJson<{ error: { message: string } }>(`${server.agentUrl}/v1/enroll`, {
      ca: server.caCertPem,
      body: { token: once, csr: csrPem },
    });
    expect(used.status).toBe(403);
    expect(used.body.error.message).toMatch(/no uses left/);
    const expiring = await enrollmentToken(server, 5, 60);
    await server.pool.query(
      "UPDATE enrollment_tokens SET expires_at = now() - interval '1 second'",
    );
    const expired = await httpsJson<{ error: { message: string } }>(
      `${server.agentUrl}/v1/enroll`,
      {
        ca: server.caCertPem,
        body: { token: expiring, csr: csrPem },
      },
    );
    expect(expired.body.error.message).toMatch(/expired/);
  });
});

describe('bad bodies get 400/413 naming the field and store nothing', () => {
  const cases: [string, () => unknown, string][] = [
    [
      'wrong type for seq',
      () => ({
        ...agent.body(),
        logs: [{ seq: 'one', type: 'event', time: new Date().toISOString(), data: {} }],
      }),
      '/logs/0/seq',
    ],
    ['unknown field', () => ({ ...agent.body(), extra: true }), '/extra'],
    [
      'missing status',
      () => {
        const { status: _s, ...rest } = agent.body();
        return rest;
      },
      '/status',
    ],
    [
      'bad log type',
      () => ({
        ...agent.body(),
        logs: [{ seq: 1, type: 'virus', time: new Date().toISOString(), data: {} }],
      }),
      '/logs/0/type',
    ],
    [
      'time not in UTC',
      () => ({
        ...agent.body(),
        logs: [{ seq: 1, type: 'event', time: '2026-01-01T00:00:00+02:00', data: {} }],
      }),
      '/logs/0/time',
    ],
    [
      'upper-case fingerprint',
      () => {
        const b = agent.body();
        return { ...b, agent: { ...b.agent, fingerprint: 'A'.repeat(64) } };
      },
      '/agent/fingerprint',
    ],
    [
      'too many logs',
      () =>
        agent.body({ seqs: Array.from({ length: MAX_LOGS_PER_REPLICATION + 1 }, (_, i) => i + 1) }),
      '/logs',
    ],
    [
      'log data over 16 KiB',
      () => ({
        ...agent.body(),
        logs: [
          {
            seq: 1,
            type: 'event',
            time: new Date().toISOString(),
            data: { blob: 'x'.repeat(17_000) },
          },
        ],
      }),
      '/logs/0/data',
    ],
  ];

  it.each(cases)('%s', async (_name, makeBody, field) => {
    const before = await logCount();
    const res = await agent.replicate<{ error: { code: string; field: string } }>(makeBody());
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('SMC_BAD_BODY');
    expect(res.body.error.field).toBe(field);
    expect(await logCount()).toBe(before);
  });

  it('rejects malformed JSON with 400', async () => {
    const res = await agent.replicate<{ error: { code: string } }>(null, '{"agent":');
    expect(res.status).toBe(400);
  });

  it('rejects an oversized body with 413', async () => {
    const res = await agent.replicate<{ error: { code: string } }>(
      null,
      `{"pad":"${'x'.repeat(MAX_BODY_BYTES)}"}`,
    );
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('SMC_TOO_LARGE');
  });
});
