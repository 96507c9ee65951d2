import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplicateResponse } from '../../protocol/index.js';
import type { RunningServer } from '../../server/app.js';
import { TestAgent } from '../support/agent-client.js';
import { freshDatabase } from '../support/database.js';
import { consoleCall, enrollmentToken, testServer } from '../support/server.js';

let a: RunningServer;
let b: RunningServer;

beforeAll(async () => {
  // Two server processes' worth of state on one database and one PKI (as an HA pair shares).
  const dataDir = await mkdtemp(path.join(tmpdir(), 'smc-pair-'));
  const databaseUrl = await freshDatabase('pair');
  a = await testServer({ dataDir, databaseUrl });
  b = await testServer({ dataDir, databaseUrl });
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

describe('two servers on one database', () => {
  it('both deliver a task created on either, once, and both see a new policy', async () => {
    const token = await enrollmentToken(a);
    const agent = await TestAgent.enroll(a.agentUrl, a.caCertPem, token);
    await agent.replicate(agent.body({ logs: 2 }));
    const viaB = agent.at(b.agentUrl);

    // B has never seen this task: its hint cache learns it through LISTEN/NOTIFY.
    const created = await consoleCall<{ id: string }>(a, '/api/tasks', 'POST', {
      type: 'inventory-refresh',
      agentIds: [agent.id],
    });
    let delivered: ReplicateResponse | undefined;
    for (let i = 0; i < 50 && !delivered; i++) {
      const res = await viaB.replicate<ReplicateResponse>(viaB.body());
      if (res.body.tasks.length > 0) delivered = res.body;
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(delivered?.tasks.map((t) => t.id)).toEqual([created.body.id]);
    // ...and A does not hand it out a second time.
    const onA = await agent.replicate<ReplicateResponse>(agent.body());
    expect(onA.body.tasks).toEqual([]);

    const put = await consoleCall<{ version: number }>(b, '/api/policy', 'PUT', {
      settings: { firewall: 'strict' },
    });
    let policy: ReplicateResponse['policy'] = null;
    for (let i = 0; i < 50 && !policy; i++) {
      policy = (await agent.replicate<ReplicateResponse>(agent.body())).body.policy;
      if (!policy) await new Promise((r) => setTimeout(r, 50));
    }
    expect(policy?.version).toBe(put.body.version);
    agent.close();
    viaB.close();
  });
});
