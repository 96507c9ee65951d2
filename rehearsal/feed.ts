import type { RehearsalUpdate } from '../protocol/index.js';
import { type ConsoleEndpoint, consoleCall } from '../simulator/identity/console-client.js';
import type { SecondSample } from '../simulator/metrics/contract.js';
import type { CapacityStep } from '../simulator/workload/capacity.js';
import type { SizingPlan } from '../sizing/index.js';
import type { RehearsalVerdict } from './verdict.js';

/** ours: the console polls every 2 s, so pushing more often would only redraw the same thing. */
export const FEED_EVERY_MS = 2_000;
/** A push slower than this is dropped: the next one carries everything again anyway. */
const PUSH_TIMEOUT_MS = 1_500;
/** Matches the server's bound on `series` (REHEARSAL_SERIES_LIMIT). */
const SERIES_LIMIT = 600;

type Phase = RehearsalUpdate['phase'];
type ReportName = RehearsalUpdate['reports'][number];

/**
 * The rehearsal's live state, pushed whole to the server's PUT /api/rehearsal every 2 s for
 * the web console. Every push is fire-and-forget: a slow or failing console must never slow
 * or break the rehearsal, so errors are counted and otherwise ignored.
 */
export class RehearsalFeed {
  private phase: Phase = 'setup';
  private readonly series: RehearsalUpdate['series'] = [];
  private capacitySteps: RehearsalUpdate['capacitySteps'] = [];
  private verdict: RehearsalUpdate['verdict'];
  private readonly reports: ReportName[] = [];
  private readonly startedAtMs = Date.now();
  private timer: ReturnType<typeof setInterval> | undefined;
  private inFlight = false;
  failedPushes = 0;

  constructor(
    private readonly target: ConsoleEndpoint,
    private readonly plan: SizingPlan,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.push(), FEED_EVERY_MS);
    this.timer.unref();
  }

  /** One closed second of the running simulation (the recorder's onSecond). */
  addSecond(sample: SecondSample): void {
    this.series.push({
      second: Math.max(0, Math.round((Date.now() - this.startedAtMs) / 1_000)),
      scheduled: sample.scheduled,
      completed: sample.completed,
      failed: sample.failed,
      p50Ms: finite(sample.p50Ms),
      p99Ms: finite(sample.p99Ms),
    });
    if (this.series.length > SERIES_LIMIT) this.series.shift();
  }

  setPhase(phase: Phase): void {
    this.phase = phase;
    this.onPhase?.(phase);
  }

  /** Told every phase change (the progress lines follow it). */
  onPhase: ((phase: Phase) => void) | undefined;

  setCapacitySteps(curve: readonly CapacityStep[]): void {
    this.capacitySteps = curve.slice(-100).map((step) => ({
      ratePerSecond: finite(step.ratePerSecond),
      achievedPerSecond: finite(step.achievedPerSecond),
      p99Ms: finite(step.p99Ms),
      errorRatio: Math.min(1, finite(step.errorRatio)),
      held: step.held,
    }));
  }

  addReport(name: ReportName): void {
    if (!this.reports.includes(name)) this.reports.push(name);
  }

  /** Stops the timer and sends the final state (phase done, verdict) once; never throws. */
  async finish(verdict: RehearsalVerdict, sessionsHeld?: number): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.phase = 'done';
    const carried = verdict.clientsCarried.value;
    this.verdict = {
      verdict: verdict.verdict,
      measuredCapacityPerSecond: finite(verdict.capacity.heldPerSecond ?? 0),
      capacityBrokenPerSecond:
        verdict.capacity.brokenPerSecond === null ? null : finite(verdict.capacity.brokenPerSecond),
      clientsCarried: carried === null ? null : Math.max(0, Math.floor(carried)),
      ...(sessionsHeld !== undefined
        ? { sessionsHeld: Math.max(0, Math.floor(sessionsHeld)) }
        : {}),
      requiredRatePerSecond: finite(verdict.requiredRatePerSecond),
      headroom:
        verdict.headroom !== null && Number.isFinite(verdict.headroom)
          ? Math.max(0, verdict.headroom)
          : null,
      recommendedIntervalSeconds: verdict.intervals.recommendedSeconds,
      fleetLostLogs: verdict.lostLogs,
      reasons: verdict.reasons.slice(0, 20).map((r) => r.slice(0, 500)),
    };
    await this.push(true);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  snapshot(): RehearsalUpdate {
    return {
      phase: this.phase,
      clients: this.plan.input.clients,
      requiredRatePerSecond: finite(this.plan.replication.requiredRatePerSecond),
      series: [...this.series],
      capacitySteps: this.capacitySteps,
      ...(this.verdict ? { verdict: this.verdict } : {}),
      reports: [...this.reports],
    };
  }

  private async push(force = false): Promise<void> {
    // A push still running means the server is busy: skip this tick rather than pile on.
    if (this.inFlight && !force) return;
    this.inFlight = true;
    try {
      await consoleCall(this.target, 'PUT', '/api/rehearsal', this.snapshot(), PUSH_TIMEOUT_MS);
    } catch {
      this.failedPushes++;
    } finally {
      this.inFlight = false;
    }
  }
}

/** JSON has no NaN or Infinity, and the server accepts no negative figure. */
function finite(n: number): number {
  return Number.isFinite(n) ? Math.max(0, n) : 0;
}
