import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAgentPlane } from '../../benchmarks/lib/fake-agent-plane.js';
import { MinimalRecorder } from '../../simulator/run/minimal-recorder.js';
import { runSimulation } from '../../simulator/run/run-simulation.js';
import { optionsFor } from './fixtures/simulation-options.js';

let plane: FakeAgentPlane;
beforeEach(async () => {
  plane = await FakeAgentPlane.start({ policy: { version: 3, settings: { scanOnStartup: true } } });
});
afterEach(async () => {
  await plane.close();
});

function totalStored(): number {
  let sum = 0;
  for (const agent of plane.agents.values()) sum += agent.logs.size;
  return sum;
}

describe('runSimulation against the fake agent plane', () => {
  it('enrolls, replicates inside the protocol and loses nothing', async () => {
    const recorder = new MinimalRecorder(1_000);
    const outcome = await runSimulation(
      optionsFor(plane, { kind: 'rate', ratePerSecond: 40 }),
      recorder,
    );
    expect(plane.badRequests).toEqual([]);
    expect(plane.enrollments).toBe(20);
    expect(outcome.identities).toMatchObject({ enrolled: 20, reused: 0 });
    expect([...plane.statuses.keys()]).toEqual([200]);
    expect(recorder.stats.completed).toBeGreaterThan(40);
    expect(recorder.stats.failed).toBe(0);
    expect(outcome.logs.generated).toBeGreaterThan(0);
    expect(outcome.logs.pending).toBe(0);
    expect(outcome.logs.acknowledged).toBe(outcome.logs.generated);
    expect(totalStored()).toBe(outcome.logs.generated);
    expect(outcome.verify).toEqual({
      agents: 20,
      acknowledged: outcome.logs.acknowledged,
      stored: outcome.logs.acknowledged,
      lost: 0,
      mismatched: 0,
    });
    expect(recorder.counter('policies_applied')).toBe(20);
    expect(recorder.counter('connections_opened')).toBe(20);
    expect(recorder.counter('logs_generated')).toBe(outcome.logs.generated);
  });

  it('survives a server restart mid-run with zero lost and zero duplicated logs', async () => {
    const recorder = new MinimalRecorder(1_000);
    const down = setTimeout(() => void plane.stop(), 1_000);
    const up = setTimeout(() => void plane.restart(), 2_000);
    try {
      const outcome = await runSimulation(
        optionsFor(plane, { kind: 'rate', ratePerSecond: 40 }, { durationSeconds: 4 }),
        recorder,
      );
      expect(recorder.stats.outcomes.get('connect_error') ?? 0).toBeGreaterThan(0);
      expect(recorder.counter('logs_resent')).toBeGreaterThan(0);
      expect(plane.conflictingResends).toBe(0);
      expect(outcome.logs.pending).toBe(0);
      expect(outcome.logs.acknowledged).toBe(outcome.logs.generated);
      expect(totalStored()).toBe(outcome.logs.generated);
      for (const agent of plane.agents.values()) expect(agent.logs.size).toBe(agent.logsThrough);
      expect(outcome.verify?.lost).toBe(0);
    } finally {
      clearTimeout(down);
      clearTimeout(up);
    }
  });
});
