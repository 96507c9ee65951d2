import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MinimalRecorder } from '../../simulator/run/minimal-recorder.js';
import { runSimulation } from '../../simulator/run/run-simulation.js';
import { shardSlice } from '../../simulator/run/simulation-options.js';
import { FakeAgentPlane } from './fixtures/fake-agent-plane.js';
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

  it('shards split the fleet into contiguous, disjoint slices', () => {
    const slices = [1, 2, 3].map((index) => shardSlice(10, { index, count: 3 }));
    expect(slices).toEqual([
      { first: 0, count: 3 },
      { first: 3, count: 3 },
      { first: 6, count: 4 },
    ]);
  });
});
