import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAgentPlane } from '../../benchmarks/lib/fake-agent-plane.js';
import { MinimalRecorder } from '../../simulator/run/minimal-recorder.js';
import { runSimulation } from '../../simulator/run/run-simulation.js';
import { bisectionPoint } from '../../simulator/workload/capacity.js';
import { checkSlos, parseSlo } from '../../simulator/workload/slo.js';
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
  it('brackets the rate a server throttling at a known limit holds', async () => {
    const recorder = new MinimalRecorder(1_000);
    const search = {
      slos: [parseSlo('errors<1%', '--slo'), parseSlo('p99<2s', '--slo')],
      startRate: 40,
      maxRate: 1_000,
      growth: 1.5,
      stepSeconds: 1.5,
      lateThresholdMs: 1_000,
      minSamplesPerStep: 50,
      maxBisections: 2,
    };
    const outcome = await runSimulation(
      optionsFor(plane, { kind: 'capacity', search }, { agents: 60, verify: false }),
      recorder,
    );
    const capacity = outcome.capacity;
    expect(capacity).toBeDefined();
    // Steps 40, 60, 90 are well under the limit of 115/s and hold; 135 sheds several percent
    // of its replications: it breaks, breaks again when confirmed; then two bisections
    // between 90 and 135 narrow the bracket around the limit.
    const curve = capacity?.curve ?? [];
    const grow = curve.filter((s) => s.stage === 'grow');
    expect(grow.filter((s) => s.held).map((s) => s.ratePerSecond)).toEqual([40, 60, 90]);
    expect(grow.slice(-2).map((s) => [s.ratePerSecond, s.confirm, s.held])).toEqual([
      [135, false, false],
      [135, true, false],
    ]);
    expect(grow.at(-1)?.checks.find((c) => c.slo === 'errors<1%')?.held).toBe(false);
    const bisect = curve.filter((s) => s.stage === 'bisect' && !s.confirm);
    expect(bisect.map((s) => s.ratePerSecond)[0]).toBe(112.5);
    expect(bisect).toHaveLength(2);
    const held = capacity?.highestHeldRate as number;
    const broken = capacity?.brokenRate as number;
    expect(held).toBeGreaterThanOrEqual(90);
    expect(broken).toBeLessThanOrEqual(135);
    expect(broken - held).toBeCloseTo(22.5 / 2, 5);
    // The bracket sits around the throttle's limit (a token bucket: a little burst on top).
    expect(held).toBeLessThan(LIMIT * 1.1);
    expect(broken).toBeGreaterThan(LIMIT * 0.9);
    expect(recorder.marks).toContain('capacity warm-up 40/s');
    expect(recorder.marks.filter((m) => /^capacity (step|confirm|bisect) /.test(m))).toHaveLength(
      curve.length,
    );
  });

  it('steps down when even the first rate breaks, to the lowest rate worth knowing', async () => {
    const recorder = new MinimalRecorder(1_000);
    const search = {
      slos: [parseSlo('errors<1%', '--slo'), parseSlo('p99<2s', '--slo')],
      startRate: 480,
      maxRate: 1_000,
      growth: 2,
      stepSeconds: 1.5,
      lateThresholdMs: 1_000,
      minSamplesPerStep: 50,
      maxBisections: 1,
      minRate: 30,
    };
    const outcome = await runSimulation(
      optionsFor(plane, { kind: 'capacity', search }, { agents: 60, verify: false }),
      recorder,
    );
    const curve = outcome.capacity?.curve ?? [];
    // 480/s breaks the 115/s throttle; the rate halves (240, 120, 60: whichever holds first,
    // 60 at the latest) and the last step down held: a bracket instead of nothing.
    const descend = curve.filter((s) => s.stage === 'descend');
    const rates = [...new Set(descend.map((s) => s.ratePerSecond))];
    expect([240, 120, 60].slice(0, rates.length)).toEqual(rates);
    expect(descend.at(-1)?.held).toBe(true);
    expect(curve.filter((s) => s.stage === 'grow').every((s) => !s.held)).toBe(true);
    const held = outcome.capacity?.highestHeldRate as number;
    expect(held).toBeGreaterThanOrEqual(60);
    expect(held).toBeLessThan(LIMIT * 1.1);
    expect(recorder.marks).toContain(`capacity descend ${rates.at(-1)}/s`);
  });

  it('bisects next to where a breaking step saturated, never nearer the held rate than the resolution', () => {
    // Held 3,200, broke at 6,400 delivering 2,730/s: try just above 3,200, not 4,800.
    expect(bisectionPoint(3_200, 6_400, 2_730, 0.05)).toBeCloseTo(3_360, 6);
    // Saturated at 3,800/s: try 3,990.
    expect(bisectionPoint(3_200, 6_400, 3_800, 0.05)).toBeCloseTo(3_990, 6);
    // Saturation past the middle, or unknown: halve.
    expect(bisectionPoint(3_200, 6_400, 6_300, 0.05)).toBe(4_800);
    expect(bisectionPoint(3_200, 6_400, null, 0.05)).toBe(4_800);
  });

  it('holds no step on too few samples, however good its figures', () => {
    const slos = [parseSlo('p99<250ms', '--slo'), parseSlo('errors<0.1%', '--slo')];
    const quiet = { completed: 12, failed: 0, late: 0, errorRatio: 0, percentile: () => 5 };
    const checks = checkSlos(slos, quiet, 100);
    expect(checks.every((c) => !c.held)).toBe(true);
    expect(checks[0]?.note).toMatch(/not enough data: 12 replications/);
    expect(checkSlos(slos, { ...quiet, completed: 100 }, 100).every((c) => c.held)).toBe(true);
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
