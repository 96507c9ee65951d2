import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.js';
import { httpsJson } from '../support/agent-client.js';
import { consoleCall, enrollmentToken, testServer } from '../support/server.js';
import { makeAgentCsr } from './pki/make-agent-csr.js';

let server: RunningServer;
beforeAll(async () => {
  server = await testServer();
});
afterAll(async () => {
  await server?.close();
});

const enroll = async (token: string) =>
  httpsJson<{ agentId?: string; error?: { code: string; message: string } }>(
    `${server.agentUrl}/v1/enroll`,
    { ca: server.caCertPem, body: { token, csr: (await makeAgentCsr()).csrPem } },
  );

describe('enrollment in batches', () => {
  it('spends exactly the uses a token has when many agents enroll at once', async () => {
    const token = await enrollmentToken(server, 5);
    const other = await enrollmentToken(server, 30);
    // 12 on a 5-use token and 10 on another, all at once: they share batches.
    const answers = await Promise.all([
      ...Array.from({ length: 12 }, () => enroll(token)),
      ...Array.from({ length: 10 }, () => enroll(other)),
    ]);
    const first = answers.slice(0, 12);
    expect(first.filter((a) => a.status === 200)).toHaveLength(5);
    const refused = first.filter((a) => a.status !== 200);
    expect(refused).toHaveLength(7);
    for (const answer of refused) {
      expect(answer.status).toBe(403);
      expect(answer.body.error?.message).toMatch(/has no uses left/);
    }
    expect(answers.slice(12).every((a) => a.status === 200)).toBe(true);
    const ids = answers.flatMap((a) => (a.body.agentId ? [a.body.agentId] : []));
    expect(new Set(ids).size).toBe(15);
    const { rows } = await server.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM enrolled_agents WHERE agent_id = ANY($1::uuid[])',
      [ids],
    );
    expect(rows[0]?.n).toBe(15);
    const left = await server.pool.query<{ uses_left: number }>(
      'SELECT uses_left FROM enrollment_tokens ORDER BY created_at',
    );
    expect(left.rows.map((r) => r.uses_left)).toEqual([0, 20]);
  });

  it('refuses an unknown and an expired token, saying which', async () => {
    expect((await enroll('smc_not-a-token-at-all')).body.error?.message).toMatch(/is not known/);
    const made = await consoleCall<{ token: string }>(server, '/api/enrollment-tokens', 'POST', {
      uses: 3,
      ttlSeconds: 60,
    });
    await server.pool.query(
      "UPDATE enrollment_tokens SET expires_at = now() - interval '1 s' WHERE uses_total = 3",
    );
    const expired = await enroll(made.body.token);
    expect(expired.status).toBe(403);
    expect(expired.body.error?.message).toMatch(/has expired/);
  });
});
