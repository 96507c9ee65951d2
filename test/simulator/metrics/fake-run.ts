import type {
  ReplicationOutcome,
  RunMeta,
  RunResult,
} from '../../../simulator/metrics/contract.js';
import type { GeneratorProbe } from '../../../simulator/metrics/generator-health.js';
import { createRunMetrics } from '../../../simulator/metrics/run-metrics.js';

/** A clock tests move by hand. */
export function fakeClock(startMs = 10_000) {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    advance(ms: number) {
      nowMs += ms;
    },
  };
}

/** A generator probe that reads fixed (or per-call scripted) values. */
export function scriptedProbe(
  readings: readonly { lag: number; cpu: number }[] = [{ lag: 2, cpu: 30 }],
): GeneratorProbe {
  let i = 0;
  return {
    read() {
      const r = readings[Math.min(i++, readings.length - 1)] ?? { lag: 0, cpu: 0 };
      return { eventLoopLagP99Ms: r.lag, cpuPercent: r.cpu };
    },
    stop() {},
  };
}

export const BASE_META: RunMeta = {
  mode: 'fleet',
  target: 'https://127.0.0.1:2222',
  agents: 100,
  intervalSeconds: 10,
  timeScale: 1,
  seed: 1,
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T00:00:10.000Z',
  options: { connection: 'persistent' },
};

/** Deterministic pseudo-random numbers in [0, 1) (a linear congruential generator). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

export interface FakeRunSpec {
  readonly seconds?: number;
  readonly perSecond?: number;
  /** Latency from send, ms: base + random spread. */
  readonly baseLatencyMs?: number;
  readonly spreadMs?: number;
  /** Every Nth replication fails with `failure`. */
  readonly failEvery?: number;
  readonly failure?: ReplicationOutcome;
  /** Every Nth replication is sent this many ms after its scheduled time. */
  readonly lateEvery?: number;
  readonly lateByMs?: number;
  readonly seed?: number;
  readonly meta?: Partial<RunMeta>;
  readonly probe?: GeneratorProbe;
}

/** Drives a real RunMetrics with a fake clock and made-up replications; returns its result. */
export function fakeRun(spec: FakeRunSpec = {}): RunResult {
  const seconds = spec.seconds ?? 10;
  const perSecond = spec.perSecond ?? 50;
  const random = seededRandom(spec.seed ?? 42);
  const clock = fakeClock();
  const metrics = createRunMetrics({
    lateThresholdMs: 1_000,
    clock: clock.now,
    probe: spec.probe ?? scriptedProbe(),
  });
  let n = 0;
  for (let s = 0; s < seconds; s++) {
    metrics.setGauge('scheduled_rate', perSecond);
    metrics.setGauge('in_flight', 3);
    for (let i = 0; i < perSecond; i++) {
      n++;
      const scheduledAtMs = clock.now();
      const late = spec.lateEvery !== undefined && n % spec.lateEvery === 0;
      const sentAtMs = scheduledAtMs + (late ? (spec.lateByMs ?? 2_000) : random() * 5);
      const latency = (spec.baseLatencyMs ?? 20) + random() * (spec.spreadMs ?? 80);
      const failed = spec.failEvery !== undefined && n % spec.failEvery === 0;
      metrics.count('logs_generated', 5);
      metrics.recordReplication({
        scheduledAtMs,
        sentAtMs,
        doneAtMs: sentAtMs + latency,
        outcome: failed ? (spec.failure ?? 'http_5xx') : 'ok',
        logsSent: 5,
        logsAcked: failed ? 0 : 5,
      });
      clock.advance(1_000 / perSecond);
    }
    metrics.tick();
  }
  metrics.stop();
  return metrics.finish({ ...BASE_META, ...spec.meta });
}

/**
 * A made-up capacity search: steps of rising rate against a "server" that keeps up until
 * `limitPerSec`, then queues (latency climbs) and sheds (503s). Windows measure each step.
 */
export function fakeCapacityRun(
  rates: readonly number[] = [100, 200, 300, 400, 500],
  limitPerSec = 350,
): RunResult {
  const clock = fakeClock();
  const random = seededRandom(3);
  const metrics = createRunMetrics({
    lateThresholdMs: 1_000,
    clock: clock.now,
    probe: scriptedProbe([{ lag: 4, cpu: 55 }]),
  });
  const steps = rates.map((rate) => {
    const window = metrics.openWindow(`step ${rate}/s`);
    for (let s = 0; s < 5; s++) {
      metrics.setGauge('scheduled_rate', rate);
      for (let i = 0; i < rate; i++) {
        const t = clock.now();
        const overload = Math.max(0, rate - limitPerSec) / limitPerSec;
        const shed = random() < overload * 0.3;
        metrics.recordReplication({
          scheduledAtMs: t,
          sentAtMs: t + random() * 3,
          doneAtMs: t + 15 + random() * 30 + overload * (200 + random() * 600),
          outcome: shed ? 'shed_503' : 'ok',
          logsSent: 2,
          logsAcked: shed ? 0 : 2,
        });
        clock.advance(1_000 / rate);
      }
      metrics.tick();
    }
    const f = window.close();
    return {
      rate,
      achievedPerSec: f.rates.achievedPerSec,
      p99Ms: f.latencyFromScheduled.p99Ms,
      errorRatio: f.errorRatio,
      passed: f.latencyFromScheduled.p99Ms < 250 && f.errorRatio < 0.001,
    };
  });
  const passing = steps.filter((s) => s.passed).map((s) => s.rate);
  return metrics.finish({
    ...BASE_META,
    mode: 'capacity',
    intervalSeconds: null,
    capacity: {
      slos: ['p99<250ms', 'errors<0.1%'],
      steps,
      highestPassingRate: passing.length ? Math.max(...passing) : null,
    },
  });
}
