import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplicateResponse } from '../../protocol/index.js';
import type { RunningServer } from '../../server/app.js';
import { fingerprintOf, TestAgent } from '../support/agent-client.js';
import { consoleCall, enrollmentToken, testServer } from '../support/server.js';

let server: RunningServer;
let token: string;

beforeAll(async () => {
  server = await testServer();
  token = await enrollmentToken(server);
});
afterAll(() => server.close());

/** Replicates until the hint cache (LISTEN/NOTIFY) has caught up; bounded. */
async function replicateUntil(
  agent: TestAgent,
  body: () => unknown,
  done: (r: ReplicateResponse) => boolean,
) {
  for (let i = 0; i < 50; i++) {
    const res = await agent.replicate<ReplicateResponse>(body());
    if (done(res.body)) return res.body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not reached in 50 replications');
}

describe('tasks', () => {
  it('delivers a task once and records its result', async () => {
    const agent = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
    const bystander = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
    await agent.replicate(agent.body());
    await bystander.replicate(bystander.body());
    const created = await consoleCall<{ id: string; targets: number }>(
      server,
      '/api/tasks',
      'POST',
      {
        type: 'on-demand-scan',
        params: { profile: 'in-depth' },
        agentIds: [agent.id],
      },
    );
    expect(created.status).toBe(200);
    expect(created.body.targets).toBe(1);

    const first = await replicateUntil(
      agent,
      () => agent.body(),
      (r) => r.tasks.length > 0,
    );
    expect(first.tasks).toEqual([
      { id: created.body.id, type: 'on-demand-scan', params: { profile: 'in-depth' } },
    ]);
    const again = await agent.replicate<ReplicateResponse>(agent.body());
    expect(again.body.tasks).toEqual([]);
    const other = await bystander.replicate<ReplicateResponse>(bystander.body());
    expect(other.body.tasks).toEqual([]);

    const delivered = await consoleCall<{ delivered: number; done: number }>(
      server,
      `/api/tasks/${created.body.id}`,
    );
    expect(delivered.body).toMatchObject({ delivered: 1, done: 0 });
    await agent.replicate(
      agent.body({
        taskResults: [
          {
            taskId: created.body.id,
            state: 'done',
            time: new Date().toISOString(),
            detail: 'clean',
          },
        ],
      }),
    );
    const finished = await consoleCall<{ pending: number; delivered: number; done: number }>(
      server,
      `/api/tasks/${created.body.id}`,
    );
    expect(finished.body).toMatchObject({ pending: 0, delivered: 0, done: 1 });
    agent.close();
    bystander.close();
  });

  it('targets every known computer with all: true, and refuses both or neither target', async () => {
    const all = await consoleCall<{ targets: number }>(server, '/api/tasks', 'POST', {
      type: 'modules-update',
      all: true,
    });
    const computers = await server.pool.query('SELECT count(*)::int AS n FROM computers');
    expect(all.body.targets).toBe(computers.rows[0].n);
    const neither = await consoleCall<{ error: { field: string } }>(server, '/api/tasks', 'POST', {
      type: 'modules-update',
    });
    expect(neither.status).toBe(400);
    expect(neither.body.error.field).toBe('/agentIds');
    const badType = await consoleCall<{ error: { field: string } }>(server, '/api/tasks', 'POST', {
      type: 'format-disk',
      all: true,
    });
    expect(badType.status).toBe(400);
    expect(badType.body.error.field).toBe('/type');
  });
});

describe('policy', () => {
  it('sends the policy once to each agent behind its version', async () => {
    const agent = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
    const put = await consoleCall<{ version: number }>(server, '/api/policy', 'PUT', {
      settings: { scanOnAccess: true },
    });
    const version = put.body.version;
    const got = await replicateUntil(
      agent,
      () => agent.body({ policyVersion: 0 }),
      (r) => r.policy?.version === version,
    );
    expect(got.policy).toEqual({ version, settings: { scanOnAccess: true } });
    const applied = await agent.replicate<ReplicateResponse>(
      agent.body({ policyVersion: version }),
    );
    expect(applied.body.policy).toBeNull();
    const bumped = await consoleCall<{ version: number }>(server, '/api/policy', 'PUT', {
      settings: { scanOnAccess: false },
    });
    expect(bumped.body.version).toBe(version + 1);
    agent.close();
  });
});

describe('clones', () => {
  it('flags the same agent id with another fingerprint and resolves it with the guide choices', async () => {
    const agent = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
    await agent.replicate(agent.body());
    const clone = await agent.replicate<ReplicateResponse>(
      agent.body({ fingerprint: fingerprintOf('other hardware') }),
    );
    expect(clone.status).toBe(200);
    expect(clone.body.clone).toMatchObject({ action: 'wait' });
    const questionId = clone.body.clone?.questionId as string;

    const listed = await consoleCall<{
      items: { id: string; agentId: string; resolution: string | null }[];
    }>(server, '/api/clones');
    expect(listed.body.items.find((q) => q.id === questionId)).toMatchObject({
      agentId: agent.id,
      resolution: null,
    });
    const flagged = await consoleCall<{ items: { agentId: string }[] }>(
      server,
      '/api/computers?clone=true',
    );
    expect(flagged.body.items.map((c) => c.agentId)).toContain(agent.id);

    const bad = await consoleCall(server, `/api/clones/${questionId}/resolve`, 'POST', {
      resolution: 'ignore',
    });
    expect(bad.status).toBe(400);
    const ok = await consoleCall(server, `/api/clones/${questionId}/resolve`, 'POST', {
      resolution: 'match-existing',
    });
    expect(ok.status).toBe(200);
    const twice = await consoleCall(server, `/api/clones/${questionId}/resolve`, 'POST', {
      resolution: 'create-new',
    });
    expect(twice.status).toBe(409);

    const after = await agent.replicate<ReplicateResponse>(
      agent.body({ fingerprint: fingerprintOf('other hardware') }),
    );
    expect(after.body.clone).toBeUndefined();
    agent.close();
  });

  it('tells a clone to enroll again when an admin chose a new computer', async () => {
    const agent = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
    await agent.replicate(agent.body());
    const clone = await agent.replicate<ReplicateResponse>(
      agent.body({ fingerprint: fingerprintOf('vm copy') }),
    );
    await consoleCall(server, `/api/clones/${clone.body.clone?.questionId}/resolve`, 'POST', {
      resolution: 'create-new-once',
    });
    const after = await agent.replicate<ReplicateResponse>(
      agent.body({ fingerprint: fingerprintOf('vm copy') }),
    );
    expect(after.body.clone).toMatchObject({ action: 're-enroll' });
    agent.close();
  });
});
