import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../server/app.js';
import { runSmcAsync } from '../../bin/run-cli.js';
import { TestAgent } from '../../support/agent-client.js';
import { freshDatabase } from '../../support/database.js';
import { enrollmentToken, testServer } from '../../support/server.js';

/**
 * `smc admin revoke AGENT` (the built CLI) against one node of a pair on one database: both
 * nodes refuse the agent within seconds, on its already open session too; others go on.
 */
let a: RunningServer;
let b: RunningServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'smc-revoke-'));
  const databaseUrl = await freshDatabase('revoke');
  a = await testServer({ dataDir, databaseUrl });
  b = await testServer({ dataDir, databaseUrl });
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await rm(dataDir, { recursive: true, force: true });
});

describe('revocation', () => {
  it('cuts a stolen identity off on every node within seconds', async () => {
    const token = await enrollmentToken(a, 2);
    const stolen = await TestAgent.enroll(a.agentUrl, a.caCertPem, token);
    const honest = await TestAgent.enroll(a.agentUrl, a.caCertPem, token);
    const stolenOnB = stolen.at(b.agentUrl);
    expect((await stolen.replicate(stolen.body({ logs: 1 }))).status).toBe(200);
    expect((await stolenOnB.replicate(stolenOnB.body())).status).toBe(200);

    const revoked = await runSmcAsync([
      'admin',
      'revoke',
      stolen.id,
      '--reason',
      'key found on a pastebin',
      '--data-dir',
      dataDir,
      '--console-url',
      a.consoleUrl,
    ]);
    const at = Date.now();
    expect(revoked.status, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`revoked agent ${stolen.id}`));

    // B heard it through NOTIFY: poll its open session until it refuses.
    let refusedAfterMs: number | null = null;
    while (Date.now() - at < 10_000) {
      const res = await stolenOnB.replicate<{ error: { code: string; message: string } }>(
        stolenOnB.body(),
      );
      if (res.status === 403) {
        expect(res.body.error.message).toMatch(/revoked/);
        refusedAfterMs = Date.now() - at;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    console.log(`revocation effective on the other node after ${refusedAfterMs} ms`);
    expect(refusedAfterMs).not.toBeNull();
    expect(refusedAfterMs as number).toBeLessThan(5_000);
    expect((await stolen.replicate(stolen.body())).status).toBe(403);
    expect((await honest.replicate(honest.body({ logs: 1 }))).status).toBe(200);
    for (const agent of [stolen, stolenOnB, honest]) agent.close();
  });

  it('names what is wrong with a bad or unknown agent id', async () => {
    const bad = await runSmcAsync(['admin', 'revoke', 'not-a-uuid', '--data-dir', dataDir]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/AGENT: must be an agent id/);
    const unknown = await runSmcAsync([
      'admin',
      'revoke',
      '00000000-0000-4000-8000-000000000000',
      '--data-dir',
      dataDir,
      '--console-url',
      a.consoleUrl,
    ]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/404 no enrolled agent/);
  });
});
