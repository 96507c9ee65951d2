import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplicateResponse } from '../../protocol/index.js';
import type { RunningServer } from '../../server/app.js';
import { TestAgent } from '../support/agent-client.js';
import { enrollmentToken, testServer } from '../support/server.js';

/*
 * After `smc admin restore` the server's ack position may lag what agents were told: an agent
 * resends from its own position and the gap before it can never be filled. Marked agents may
 * start past it once (migration 9); every other gap still never moves the ack.
 */

let server: RunningServer;
let token: string;

beforeAll(async () => {
  server = await testServer();
  token = await enrollmentToken(server, 3);
});
afterAll(() => server.close());

const mark = (agentId: string) =>
  server.pool.query('UPDATE agent_state SET resume_after_restore = true WHERE agent_id = $1', [
    agentId,
  ]);

describe('an agent resuming past a restored server', () => {
  it('moves the ack past the gap once, on the first replication with logs', async () => {
    const agent = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
    await agent.replicate(agent.body({ seqs: [1, 2, 3] }));
    await mark(agent.id);
    // A replication without logs leaves the mark for the one that carries them.
    const empty = await agent.replicate<ReplicateResponse>(agent.body({ seqs: [] }));
    expect(empty.body.ack.logsThrough).toBe(3);
    const resumed = await agent.replicate<ReplicateResponse>(agent.body({ seqs: [7, 8] }));
    expect(resumed.body.ack.logsThrough).toBe(8);
    // Once: a later gap is a gap again.
    const gap = await agent.replicate<ReplicateResponse>(agent.body({ seqs: [11] }));
    expect(gap.body.ack.logsThrough).toBe(8);
    const { rows } = await server.pool.query(
      'SELECT resume_after_restore FROM agent_state WHERE agent_id = $1',
      [agent.id],
    );
    expect(rows[0]?.resume_after_restore).toBe(false);
    agent.close();
  });

  it('leaves an agent that was behind the backup point on the ordinary rule', async () => {
    const agent = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
    await agent.replicate(agent.body({ seqs: [1, 2, 3] }));
    await mark(agent.id);
    const contiguous = await agent.replicate<ReplicateResponse>(agent.body({ seqs: [2, 3, 4] }));
    expect(contiguous.body.ack.logsThrough).toBe(4);
    const gap = await agent.replicate<ReplicateResponse>(agent.body({ seqs: [9] }));
    expect(gap.body.ack.logsThrough).toBe(4);
    agent.close();
  });

  it('never lets an unmarked agent skip a gap', async () => {
    const agent = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
    await agent.replicate(agent.body({ seqs: [1, 2] }));
    const gap = await agent.replicate<ReplicateResponse>(agent.body({ seqs: [5, 6] }));
    expect(gap.body.ack.logsThrough).toBe(2);
    agent.close();
  });
});
