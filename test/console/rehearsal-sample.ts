import type { RehearsalUpdate } from '../../protocol/index.js';

/** A finished rehearsal as `smc rehearse` pushes it: 30 s of samples, two steps, a verdict. */
export function finishedRehearsal(): RehearsalUpdate {
  return {
    phase: 'done',
    clients: 1_000,
    requiredRatePerSecond: 1.7,
    series: Array.from({ length: 30 }, (_, second) => ({
      second,
      scheduled: 100 + second * 10,
      completed: 95 + second * 9,
      failed: second === 29 ? 3 : 0,
      p50Ms: 4,
      p99Ms: 12 + second,
    })),
    capacitySteps: [
      { ratePerSecond: 100, achievedPerSecond: 99.5, p99Ms: 14, errorRatio: 0, held: true },
      { ratePerSecond: 180, achievedPerSecond: 151.2, p99Ms: 412, errorRatio: 0.002, held: false },
    ],
    verdict: {
      verdict: 'pass',
      measuredCapacityPerSecond: 100,
      requiredRatePerSecond: 1.7,
      headroom: 58.8,
      recommendedIntervalSeconds: 20,
      fleetLostLogs: 0,
      reasons: ['capacity 100/s is 58.8x the required 1.7/s'],
    },
    reports: ['capacity.html', 'fleet.html'],
  };
}
