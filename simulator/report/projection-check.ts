import type { JsonValue, RunResult } from '../metrics/contract.js';

/**
 * Before rollout a rehearsal projects what the plan's machines should hold; after rollout the
 * same scenario runs against the deployed server. This says whether the deployment meets the
 * projection. The projection travels in the rehearsal's fleet.json (meta.options.rehearsal).
 */
export interface ProjectionCheck {
  readonly projectedPerSecond: number;
  readonly model: string;
  /** What the deployed run shows: its capacity (a capacity search) or the rate it held. */
  readonly measuredPerSecond: number | null;
  readonly basis: 'capacity search' | 'scenario';
  readonly meets: boolean;
  readonly reason: string;
}

interface RehearsalRecord {
  readonly projection: { readonly ratePerSecond: number; readonly model: string } | null;
  readonly slo: { readonly p99Ms: number; readonly errorRatio: number };
}

function recordOf(result: RunResult): RehearsalRecord | null {
  const value = (result.meta.options as { [key: string]: JsonValue }).rehearsal;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const record = value as { projection?: JsonValue; slo?: JsonValue };
  const projection = record.projection as { ratePerSecond?: unknown; model?: unknown } | null;
  const slo = record.slo as { p99Ms?: unknown; errorRatio?: unknown } | undefined;
  return {
    projection:
      projection && typeof projection.ratePerSecond === 'number'
        ? { ratePerSecond: projection.ratePerSecond, model: String(projection.model ?? '') }
        : null,
    slo: {
      p99Ms: typeof slo?.p99Ms === 'number' ? slo.p99Ms : 250,
      errorRatio: typeof slo?.errorRatio === 'number' ? slo.errorRatio : 0.001,
    },
  };
}

/** Null when `before` is not a rehearsal's result with a projection. */
export function checkProjection(
  before: RunResult,
  after: RunResult,
  tolerance: number,
): ProjectionCheck | null {
  const record = recordOf(before);
  if (!record?.projection) return null;
  const projected = record.projection.ratePerSecond;
  const base = { projectedPerSecond: projected, model: record.projection.model };
  const rate = (n: number) => `${n.toLocaleString('en-US', { maximumFractionDigits: 1 })}/s`;
  if (after.meta.mode === 'capacity') {
    const measured = after.meta.capacity?.highestPassingRate ?? null;
    const meets = measured !== null && measured >= projected * (1 - tolerance);
    return {
      ...base,
      measuredPerSecond: measured,
      basis: 'capacity search',
      meets,
      reason:
        measured === null
          ? 'no step of the deployed capacity search held its SLOs'
          : `the deployment held ${rate(measured)} where ${rate(projected)} was projected${meets ? '' : ` (more than ${Math.round(tolerance * 100)} % short)`}`,
    };
  }
  const f = after.derived;
  const held =
    f.latencyFromScheduled.p99Ms < record.slo.p99Ms &&
    f.errorRatio < record.slo.errorRatio &&
    (f.logs.lost === null || f.logs.lost === 0) &&
    !after.generator.generatorBottleneck &&
    f.replications.completed >= 100;
  const measured = f.rates.achievedPerSec;
  return {
    ...base,
    measuredPerSecond: held ? measured : null,
    basis: 'scenario',
    meets: held,
    reason: held
      ? `the deployment held the scenario's ${rate(measured)} inside the SLOs; the projection (${rate(projected)}) is its limit, which only smc simulate --find-capacity measures`
      : `the deployment did not hold the scenario inside the SLOs (p99 ${Math.round(f.latencyFromScheduled.p99Ms)} ms, errors ${(f.errorRatio * 100).toFixed(2)} %${f.logs.lost ? `, ${f.logs.lost} logs lost` : ''}${after.generator.generatorBottleneck ? ', generator saturated' : ''})`,
  };
}
