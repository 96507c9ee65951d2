import type { ProbeNoopStep, ProbeReplicateStep } from './server-probes.js';
import type { Headline, MeasuredStep } from './server-report.js';

/**
 * The benchmark's headline against the bare probes of the same run (issue 16's goal):
 * rate at p99 <= limit (ours / probe, goal >= 0.8), server and PostgreSQL CPU per replication
 * (goal <= 1.3 and <= 1.2), and the no-op's server CPU per request against a bare core-API
 * no-op (goal <= 2). The probe's figures are the mean of its runs before and after ours; CPU is
 * compared at the in-flight figure of our headline step (the probe's nearest).
 */
export interface ProbeRatios {
  readonly probeRatePerSecond: number | null;
  /** Ours / probe, each its best rate with p99 within the limit (null: one held none). */
  readonly rate: number | null;
  /** Ours / probe, each its best rate whatever the p99 (what a busy box still compares). */
  readonly peakRate: number | null;
  /** Medians over the in-flight figures both measured, of ours / probe at each. */
  readonly serverCpu: number | null;
  readonly postgresCpu: number | null;
  readonly noopCpu: number | null;
  readonly perInflight: readonly {
    readonly inflight: number;
    readonly oursServerMicros: number;
    readonly probeServerMicros: number;
    readonly oursPostgresMicros: number;
    readonly probePostgresMicros: number;
    readonly oursNoopMicros: number | null;
    readonly probeNoopMicros: number | null;
  }[];
}

export function ratiosOf(
  steps: readonly MeasuredStep[],
  headline: Headline,
  probeRuns: readonly (readonly ProbeReplicateStep[])[],
  noopProbe: readonly ProbeNoopStep[],
): ProbeRatios {
  const bestOf = (run: readonly ProbeReplicateStep[], limit: number) =>
    Math.max(0, ...run.filter((s) => s.p99Ms <= limit).map((s) => s.perSecond));
  const probeHeld = probeRuns.length
    ? mean(probeRuns.map((r) => bestOf(r, headline.p99LimitMs)))
    : 0;
  const probePeak = probeRuns.length ? mean(probeRuns.map((r) => bestOf(r, Infinity))) : 0;
  const oursPeak = Math.max(
    0,
    ...steps.filter((s) => s.endpoint === 'replicate').map((s) => s.perSecond),
  );
  const perInflight: ProbeRatios['perInflight'][number][] = [];
  for (const ours of steps.filter((s) => s.endpoint === 'replicate' && s.ok > 0)) {
    const probes = probeRuns
      .map((run) => run.find((p) => p.inflight === ours.concurrency))
      .filter((p): p is ProbeReplicateStep => p !== undefined);
    if (probes.length === 0) continue;
    const noop = steps.find((s) => s.endpoint === 'noop' && s.concurrency === ours.concurrency);
    const probeNoop = noopProbe.find((p) => p.inflight === ours.concurrency);
    perInflight.push({
      inflight: ours.concurrency,
      oursServerMicros: ours.serverCpuMicrosPerRequest,
      probeServerMicros: Math.round(mean(probes.map((p) => p.serverCpuMicrosPerReplication))),
      oursPostgresMicros: postgresMicrosPerReplication(ours),
      probePostgresMicros: Math.round(mean(probes.map((p) => p.postgresCpuMicrosPerReplication))),
      oursNoopMicros: noop?.serverCpuMicrosPerRequest ?? null,
      probeNoopMicros: probeNoop?.serverCpuMicrosPerRequest ?? null,
    });
  }
  const medianRatio = (
    pick: (r: ProbeRatios['perInflight'][number]) => [number | null, number | null],
  ) =>
    median(
      perInflight
        .map(pick)
        .map(([a, b]) => ratio(a, b))
        .filter((x): x is number => x !== null),
    );
  return {
    probeRatePerSecond: probeRuns.length ? Math.round(probeHeld) : null,
    rate:
      headline.replicate && probeHeld > 0 ? ratio(headline.replicate.perSecond, probeHeld) : null,
    peakRate: ratio(oursPeak, probePeak),
    serverCpu: medianRatio((r) => [r.oursServerMicros, r.probeServerMicros]),
    postgresCpu: medianRatio((r) => [r.oursPostgresMicros, r.probePostgresMicros]),
    noopCpu: medianRatio((r) => [r.oursNoopMicros, r.probeNoopMicros]),
    perInflight,
  };
}

/** PostgreSQL CPU of a step per replication answered, in microseconds. */
export function postgresMicrosPerReplication(step: MeasuredStep): number {
  return Math.round(((step.cpu.postgresPercent / 100) * step.seconds * 1e6) / Math.max(1, step.ok));
}

export function renderRatios(r: ProbeRatios): string[] {
  const f = (x: number | null) => (x === null ? '-' : x.toFixed(2));
  return [
    'vs the bare probes in this run (probe before and after ours; goals: rate >= 0.8, server CPU <= 1.3, PostgreSQL CPU <= 1.2, no-op CPU <= 2):',
    `  rate at p99 <= 100 ms: ${f(r.rate)} (probe ${r.probeRatePerSecond ?? '-'}/s); peak rate whatever the p99: ${f(r.peakRate)}`,
    `  server CPU per replication: ${f(r.serverCpu)}; PostgreSQL CPU per replication: ${f(r.postgresCpu)}; no-op server CPU per request: ${f(r.noopCpu)} (medians over in-flight figures)`,
    ...r.perInflight.map(
      (p) =>
        `    ${String(p.inflight).padStart(4)} in flight: server ${p.oursServerMicros} vs ${p.probeServerMicros} us, PostgreSQL ${p.oursPostgresMicros} vs ${p.probePostgresMicros} us, no-op ${p.oursNoopMicros ?? '-'} vs ${p.probeNoopMicros ?? '-'} us`,
    ),
  ];
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function ratio(ours: number | null, probe: number | null): number | null {
  return ours === null || probe === null || probe <= 0
    ? null
    : Math.round((ours / probe) * 100) / 100;
}
