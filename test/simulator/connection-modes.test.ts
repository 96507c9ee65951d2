import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAgentPlane } from '../../benchmarks/lib/fake-agent-plane.js';
import { enrollAgents } from '../../simulator/identity/enroll.js';
import { MinimalRecorder } from '../../simulator/run/minimal-recorder.js';
import { runSimulation } from '../../simulator/run/run-simulation.js';
import { shardSlice } from '../../simulator/run/simulation-options.js';
import { AgentTransport } from '../../simulator/transport/agent-transport.js';
import { optionsFor } from './fixtures/simulation-options.js';

let plane: FakeAgentPlane;
beforeAll(async () => {
  plane = await FakeAgentPlane.start();
});
afterAll(async () => {
  await plane.close();
});

describe('connections', () => {
  it('per-replication connections resume the TLS session instead of a full handshake', async () => {
    const recorder = new MinimalRecorder(1_000);
    const fullBefore = plane.fullHandshakes;
    await runSimulation(
      optionsFor(
        plane,
        { kind: 'rate', ratePerSecond: 20 },
        { agents: 4, connection: 'per-replication', verify: false },
      ),
      recorder,
    );
    expect(recorder.stats.failed).toBe(0);
    expect(recorder.counter('connections_opened')).toBe(recorder.stats.completed);
    // Enrollment sessions and each agent's first connection are full; the rest resume.
    expect(plane.fullHandshakes - fullBefore).toBe(4 + 4);
    expect(plane.resumedHandshakes).toBe(recorder.stats.completed - 4);
  });

  it('persistent connections: one per agent for the whole run', async () => {
    const recorder = new MinimalRecorder(1_000);
    await runSimulation(
      optionsFor(plane, { kind: 'rate', ratePerSecond: 30 }, { agents: 5, verify: false }),
      recorder,
    );
    expect(recorder.stats.failed).toBe(0);
    expect(recorder.stats.completed).toBeGreaterThan(40);
    expect(recorder.counter('connections_opened')).toBe(5);
  });

  it('reports the sessions it holds open, to the next phase too, and each request by endpoint', async () => {
    const target = { url: plane.url, host: '127.0.0.1', port: plane.port, caPem: plane.ca.certPem };
    const warmUp = new MinimalRecorder(1_000, true);
    const { identities } = await enrollAgents(3, 0, {
      target,
      token: 'test-enroll-token',
      recorder: warmUp,
    });
    expect(warmUp.requests.map((r) => [r.endpoint, r.failed])).toEqual([
      ['enroll', false],
      ['enroll', false],
      ['enroll', false],
    ]);
    const transport = new AgentTransport({
      target,
      mode: 'persistent',
      timeoutMs: 5_000,
      recorder: warmUp,
    });
    // A body the plane refuses (400) still rides on the agent's session.
    for (const [key, identity] of identities.entries())
      await transport.replicate(key, identity, '{}');
    expect(warmUp.gauges.get('sessions_open')).toBe(3);
    const refused = warmUp.requests.filter((r) => r.endpoint === 'replicate');
    expect(refused).toHaveLength(3);
    expect(refused.every((r) => r.failed && r.bytesSent === 2 && r.bytesReceived > 0)).toBe(true);
    // The next phase's recorder learns of the sessions still connected at once.
    const fleet = new MinimalRecorder(1_000);
    transport.useRecorder(fleet);
    expect(fleet.gauges.get('sessions_open')).toBe(3);
    await transport.close();
    await expect.poll(() => fleet.gauges.get('sessions_open')).toBe(0);
  });

  it('shards split the fleet into contiguous, disjoint slices', () => {
    const slices = [1, 2, 3].map((index) => shardSlice(10, { index, count: 3 }));
    expect(slices).toEqual([
      { first: 0, count: 3 },
      { first: 3, count: 3 },
      { first: 6, count: 4 },
    ]);
  });
});
