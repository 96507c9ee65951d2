import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_CLIENTS, planDeployment, type SizingPlan } from '../../sizing/index.js';

const options = fc.record({
  platform: fc.constantFrom('azure' as const, 'vms' as const),
  phase: fc.constantFrom('deployment' as const, 'steady' as const),
  highAvailability: fc.option(fc.boolean(), { nil: undefined }),
  mobileDevices: fc.integer({ min: 0, max: 100_000 }),
});

function totals(plan: SizingPlan) {
  const sum = (pick: (m: SizingPlan['machines'][number]) => number) =>
    plan.machines.reduce((acc, m) => acc + pick(m) * m.count, 0);
  return {
    cores: sum((m) => m.cores),
    memory: sum((m) => m.memoryGiB),
    disk: sum((m) => m.diskGiB),
  };
}

describe('sizing properties', () => {
  it('never gets smaller when clients grow', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_CLIENTS }),
        fc.integer({ min: 1, max: MAX_CLIENTS }),
        fc.integer({ min: 0, max: 50 }),
        options,
        (a, b, offices, opts) => {
          const [small, large] = a <= b ? [a, b] : [b, a];
          const o = Math.min(offices, small);
          const p = planDeployment({ clients: small, offices: o, ...opts });
          const q = planDeployment({ clients: large, offices: o, ...opts });
          const [tp, tq] = [totals(p), totals(q)];
          expect(tq.cores).toBeGreaterThanOrEqual(tp.cores);
          expect(tq.memory).toBeGreaterThanOrEqual(tp.memory);
          expect(tq.disk).toBeGreaterThanOrEqual(tp.disk);
          expect(q.proxies.count).toBeGreaterThanOrEqual(p.proxies.count);
          expect(q.replication.intervalSeconds).toBeGreaterThanOrEqual(
            p.replication.intervalSeconds,
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('gives positive, finite rates and JSON that round-trips', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_CLIENTS }),
        options,
        fc.option(fc.integer({ min: 10, max: 604_800 }), { nil: undefined }),
        (clients, opts, interval) => {
          const plan = planDeployment({ clients, ...opts, replicationIntervalSeconds: interval });
          for (const rate of [
            plan.replication.requiredRatePerSecond,
            plan.replication.peakRatePerSecond,
            plan.replication.deploymentRatePerSecond,
            plan.replication.steadyRatePerSecond,
          ]) {
            expect(rate).toBeGreaterThan(0);
            expect(Number.isFinite(rate)).toBe(true);
          }
          expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
        },
      ),
      { numRuns: 500 },
    );
  });
});
