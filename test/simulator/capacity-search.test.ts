import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MinimalRecorder } from '../../simulator/run/minimal-recorder.js';
import { runSimulation } from '../../simulator/run/run-simulation.js';
import { parseSlo } from '../../simulator/workload/slo.js';
import { FakeAgentPlane } from './fixtures/fake-agent-plane.js';
import { optionsFor } from './fixtures/simulation-options.js';

const LIMIT = 115;
let plane: FakeAgentPlane;
beforeAll(async () => {
  plane = await FakeAgentPlane.start({ throttlePerSecond: LIMIT, retryAfterSeconds: 1 });
});
afterAll(async () => {
  await plane.close();
});

describe('capacity search', () => {
  it('finds the rate a server throttling at a known limit holds', async () => {
    const recorder = new MinimalRecorder(1_000);
    const search = {
      slos: [parseSlo('errors<1%', '--slo'), parseSlo('p99<2s', '--slo')],
      startRate: 40,
      maxRate: 1_000,
      growth: 1.5,
      stepSeconds: 1.5,
      lateThresholdMs: 1_000,
    };
    const outcome = await runSimulation(
      optionsFor(plane, { kind: 'capacity', search }, { agents: 60, verify: false }),
      recorder,
    );
    const capacity = outcome.capacity;
    expect(capacity).toBeDefined();
    // Steps 40, 60, 90 are well under the limit of 115/s and hold; 135 sheds several percent
    // of its replications: it breaks, breaks again when confirmed, and ends the search.
    expect(capacity?.highestHeldRate).toBe(90);
    expect(capacity?.brokenRate).toBe(135);
    const curve = capacity?.curve ?? [];
    expect(curve.slice(-2).map((s) => [s.ratePerSecond, s.confirm, s.held])).toEqual([
      [135, false, false],
      [135, true, false],
    ]);
    expect(curve.filter((s) => s.held).map((s) => s.ratePerSecond)).toEqual([40, 60, 90]);
    expect(curve.at(-1)?.checks.find((c) => c.slo === 'errors<1%')?.held).toBe(false);
    expect(recorder.marks).toContain('capacity warm-up 40/s');
    expect(recorder.marks.filter((m) => /^capacity (step|confirm) /.test(m))).toHaveLength(
      curve.length,
    );
  });

  it('rejects SLOs it cannot read', () => {
    expect(() => parseSlo('p99<fast', '--slo')).toThrow(/--slo: must be a duration/);
    expect(() => parseSlo('latency<3', '--slo')).toThrow(/--slo: must be like/);
    expect(parseSlo('errors<=0.5', '--slo')).toMatchObject({
      kind: 'errors',
      limitRatio: 0.5,
      inclusive: true,
    });
  });
});
