import {
  type CapacitySearch,
  ENDPOINTS,
  type EndpointName,
  type EndpointSecond,
  type RunMeta,
  type SecondSample,
} from '../metrics/contract.js';
import { DEFAULT_GENERATOR_LIMITS, judgeGeneratorHealth } from '../metrics/generator-health.js';
import {
  decodeHistogram,
  HISTOGRAM_ENCODING,
  HISTOGRAM_UNIT,
  mergeEncodedHistograms,
} from '../metrics/histogram.js';
import { OUTCOMES, type OutcomeCounts } from '../metrics/replication-figures.js';
import type { EndpointTotals } from '../metrics/request-figures.js';
import {
  deriveFigures,
  type ResultSource,
  RUN_RESULT_KIND,
  RUN_RESULT_SCHEMA_VERSION,
  type RunResult,
  type TimelineMark,
} from '../metrics/run-result.js';

/** A result that came from a file, with the name errors should use. */
export interface NamedResult {
  readonly name: string;
  readonly result: RunResult;
}

/** Results that cannot be merged: a usage error (exit 2) naming the files. */
export class MergeError extends RangeError {
  override readonly name = 'MergeError';
}

/**
 * Merges the results of `--shard i/n` runs made at the same time on several machines into
 * the result one big generator would have produced: histograms merged exactly, counters and
 * outcomes summed, the series aligned by second, meta combined. Per-second p50 is the
 * completion-weighted mean of the shards' and per-second p99 their max (an upper bound): the
 * run-level percentiles, from the merged histograms, are exact.
 */
export function mergeRunResults(inputs: readonly NamedResult[]): RunResult {
  const first = inputs[0];
  if (!first) throw new MergeError('merge: give at least one result');
  checkMergeable(inputs);
  const results = inputs.map((i) => i.result);
  const counters = sumRecords(results.map((r) => r.counters));
  const outcomes = Object.fromEntries(
    OUTCOMES.map((o) => [o, results.reduce((sum, r) => sum + r.outcomes[o], 0)]),
  ) as OutcomeCounts;
  const histograms = {
    encoding: HISTOGRAM_ENCODING,
    unit: HISTOGRAM_UNIT,
    fromScheduled: mergeEncodedHistograms(
      results.map((r) => r.histograms.fromScheduled),
      'histograms.fromScheduled',
    ),
    fromSend: mergeEncodedHistograms(
      results.map((r) => r.histograms.fromSend),
      'histograms.fromSend',
    ),
    lateness: mergeEncodedHistograms(
      results.map((r) => r.histograms.lateness),
      'histograms.lateness',
    ),
  };
  const series = mergeSeries(results.map((r) => r.series));
  const durationSeconds = Math.max(...results.map((r) => r.durationSeconds));
  const meta = mergeMeta(inputs);
  return {
    schemaVersion: RUN_RESULT_SCHEMA_VERSION,
    kind: RUN_RESULT_KIND,
    meta,
    durationSeconds,
    lateThresholdMs: first.result.lateThresholdMs,
    counters,
    outcomes,
    // Every gauge we keep (agents, in flight, pending logs, scheduled rate) adds across shards.
    gauges: sumRecords(results.map((r) => r.gauges)),
    marks: mergeMarks(results),
    derived: deriveFigures({
      durationSeconds,
      counters,
      outcomes,
      histograms: {
        fromScheduled: decodeHistogram(histograms.fromScheduled, 'histograms.fromScheduled'),
        fromSend: decodeHistogram(histograms.fromSend, 'histograms.fromSend'),
        lateness: decodeHistogram(histograms.lateness, 'histograms.lateness'),
      },
      series,
      ...(meta.verify ? { verify: meta.verify } : {}),
    }),
    histograms,
    // Each second takes the worst shard's lag and CPU, so a saturated shard still shows.
    series,
    ...mergeEndpointTotals(results),
    generator: judgeGeneratorHealth(
      series,
      first.result.generator.limits ?? DEFAULT_GENERATOR_LIMITS,
    ),
    sources: inputs.flatMap(({ result }) => result.sources ?? [sourceOf(result)]),
  };
}

function checkMergeable(inputs: readonly NamedResult[]): void {
  const [first, ...rest] = inputs as [NamedResult, ...NamedResult[]];
  for (const other of rest) {
    const pair = `${first.name} and ${other.name}`;
    if (other.result.schemaVersion !== first.result.schemaVersion) {
      throw new MergeError(
        `merge: ${pair} have different schema versions (${first.result.schemaVersion} vs ${other.result.schemaVersion})`,
      );
    }
    if (other.result.meta.mode !== first.result.meta.mode) {
      throw new MergeError(
        `merge: ${first.name} is a ${first.result.meta.mode} run and ${other.name} a ${other.result.meta.mode} run; only runs of one mode merge`,
      );
    }
    if (other.result.lateThresholdMs !== first.result.lateThresholdMs) {
      throw new MergeError(
        `merge: ${pair} counted lateness against different limits (${first.result.lateThresholdMs} ms vs ${other.result.lateThresholdMs} ms)`,
      );
    }
    if (other.result.meta.timeScale !== first.result.meta.timeScale) {
      throw new MergeError(
        `merge: ${pair} ran at different time scales (${first.result.meta.timeScale} vs ${other.result.meta.timeScale})`,
      );
    }
  }
  const seen = new Map<string, string>();
  for (const { name, result } of inputs) {
    for (const source of result.sources ?? [sourceOf(result)]) {
      if (!source.shard) continue;
      const key = `${source.shard.index}/${source.shard.count}`;
      const earlier = seen.get(key);
      if (earlier) throw new MergeError(`merge: ${earlier} and ${name} are both shard ${key}`);
      seen.set(key, name);
    }
  }
}

function mergeMeta(inputs: readonly NamedResult[]): RunMeta {
  const metas = inputs.map((i) => i.result.meta);
  const first = metas[0] as RunMeta;
  const distinct = <T>(values: readonly T[]) => [...new Set(values)];
  const targets = distinct(metas.map((m) => m.target));
  const intervals = distinct(metas.map((m) => m.intervalSeconds));
  const verifies = metas.map((m) => m.verify);
  const capacity = mergeCapacity(inputs);
  const {
    shard: _shard,
    generatorHost: _host,
    verify: _verify,
    capacity: _capacity,
    ...shared
  } = first;
  return {
    ...shared,
    target: targets.join(' + '),
    agents: metas.reduce((sum, m) => sum + m.agents, 0),
    intervalSeconds: intervals.length === 1 ? (intervals[0] ?? null) : null,
    startedAt: metas.map((m) => m.startedAt).sort()[0] as string,
    endedAt: metas
      .map((m) => m.endedAt)
      .sort()
      .at(-1) as string,
    // Lost logs are only known if every shard verified.
    ...(verifies.every((v) => v !== undefined)
      ? {
          verify: {
            logsAcknowledged: verifies.reduce((s, v) => s + (v?.logsAcknowledged ?? 0), 0),
            lost: verifies.reduce((s, v) => s + (v?.lost ?? 0), 0),
            checkedAgents: verifies.reduce((s, v) => s + (v?.checkedAgents ?? 0), 0),
          },
        }
      : {}),
    ...(capacity ? { capacity } : {}),
  };
}

/** Shards that searched in lock-step (same step count) merge step by step; rates add up. */
function mergeCapacity(inputs: readonly NamedResult[]): CapacitySearch | undefined {
  const searches = inputs.map((i) => i.result.meta.capacity);
  if (searches.every((s) => s === undefined)) return undefined;
  const first = inputs[0] as NamedResult;
  const firstSearch = searches[0];
  inputs.forEach(({ name }, i) => {
    const search = searches[i];
    if (!search || !firstSearch || search.steps.length !== firstSearch.steps.length) {
      throw new MergeError(
        `merge: capacity searches of different shapes cannot merge (${first.name}: ${firstSearch?.steps.length ?? 'none'} steps, ${name}: ${search?.steps.length ?? 'none'})`,
      );
    }
  });
  const all = searches as CapacitySearch[];
  const steps = (firstSearch as CapacitySearch).steps.map((_, i) => {
    const at = all.map((s) => s.steps[i] as CapacitySearch['steps'][number]);
    return {
      rate: at.reduce((sum, s) => sum + s.rate, 0),
      achievedPerSec: at.reduce((sum, s) => sum + s.achievedPerSec, 0),
      p99Ms: Math.max(...at.map((s) => s.p99Ms)),
      errorRatio: Math.max(...at.map((s) => s.errorRatio)),
      passed: at.every((s) => s.passed),
    };
  });
  const passing = steps.filter((s) => s.passed).map((s) => s.rate);
  return {
    slos: (firstSearch as CapacitySearch).slos,
    steps,
    highestPassingRate: passing.length > 0 ? Math.max(...passing) : null,
  };
}

/** Several generators' samples of one second as one (counts add, lag and CPU take the worst). */
export function mergeSecondSamples(second: number, samples: readonly SecondSample[]): SecondSample {
  const sum = (pick: (s: SecondSample) => number) => samples.reduce((t, s) => t + pick(s), 0);
  const max = (pick: (s: SecondSample) => number) => Math.max(0, ...samples.map(pick));
  const completed = sum((s) => s.completed);
  return {
    second,
    scheduled: sum((s) => s.scheduled),
    completed,
    ok: sum((s) => s.ok),
    failed: sum((s) => s.failed),
    late: sum((s) => s.late),
    p50Ms: completed > 0 ? round3(sum((s) => s.p50Ms * s.completed) / completed) : 0,
    p99Ms: max((s) => s.p99Ms),
    ...maxOptional(samples, 'maxMs'),
    inFlight: sum((s) => s.inFlight),
    eventLoopLagP99Ms: max((s) => s.eventLoopLagP99Ms),
    cpuPercent: max((s) => s.cpuPercent),
    // Sessions, agents, bytes and requests are counts: they add up exactly across shards.
    ...sumOptional(samples, 'sessionsOpen'),
    ...sumOptional(samples, 'agentsActive'),
    ...sumOptional(samples, 'agentsEnrolled'),
    ...sumOptional(samples, 'bytesSent'),
    ...sumOptional(samples, 'bytesReceived'),
    ...mergeEndpointSeconds(samples),
  };
}

/** The largest of an optional figure, absent when no sample has it (files that predate it). */
function maxOptional(samples: readonly SecondSample[], key: 'maxMs'): Partial<SecondSample> {
  const present = samples.flatMap((s) => (s[key] === undefined ? [] : [s[key]]));
  return present.length === 0 ? {} : { [key]: Math.max(...present) };
}

type OptionalCount =
  | 'sessionsOpen'
  | 'agentsActive'
  | 'agentsEnrolled'
  | 'bytesSent'
  | 'bytesReceived';

/** Sum of a field older files lack: absent when no shard had it, so it stays "not recorded". */
function sumOptional(samples: readonly SecondSample[], key: OptionalCount) {
  const present = samples.filter((s) => s[key] !== undefined);
  return present.length === 0 ? {} : { [key]: present.reduce((t, s) => t + (s[key] ?? 0), 0) };
}

/** Requests and errors add; p50 is the request-weighted mean, p99 the max (as for the run's). */
function mergeEndpointSeconds(samples: readonly SecondSample[]) {
  const withSplit = samples.filter((s) => s.endpoints !== undefined);
  if (withSplit.length === 0) return {};
  const endpoints: Partial<Record<EndpointName, EndpointSecond>> = {};
  for (const name of ENDPOINTS) {
    const parts = withSplit.flatMap((s) => (s.endpoints?.[name] ? [s.endpoints[name]] : []));
    if (parts.length === 0) continue;
    const requests = parts.reduce((t, p) => t + p.requests, 0);
    endpoints[name] = {
      requests,
      errors: parts.reduce((t, p) => t + p.errors, 0),
      p50Ms:
        requests > 0 ? round3(parts.reduce((t, p) => t + p.p50Ms * p.requests, 0) / requests) : 0,
      p99Ms: Math.max(0, ...parts.map((p) => p.p99Ms)),
    };
  }
  return { endpoints };
}

/** The whole run's split by endpoint: counts summed, latency histograms merged exactly. */
function mergeEndpointTotals(results: readonly RunResult[]) {
  const withSplit = results.filter((r) => r.endpoints !== undefined);
  if (withSplit.length === 0) return {};
  const endpoints: Partial<Record<EndpointName, EndpointTotals>> = {};
  for (const name of ENDPOINTS) {
    const parts = withSplit.flatMap((r) => (r.endpoints?.[name] ? [r.endpoints[name]] : []));
    if (parts.length === 0) continue;
    const sum = (pick: (p: EndpointTotals) => number) => parts.reduce((t, p) => t + pick(p), 0);
    endpoints[name] = {
      requests: sum((p) => p.requests),
      errors: sum((p) => p.errors),
      bytesSent: sum((p) => p.bytesSent),
      bytesReceived: sum((p) => p.bytesReceived),
      latency: mergeEncodedHistograms(
        parts.map((p) => p.latency),
        `endpoints.${name}.latency`,
      ),
    };
  }
  return { endpoints };
}

function mergeSeries(all: readonly (readonly SecondSample[])[]): SecondSample[] {
  const bySecond = new Map<number, SecondSample[]>();
  for (const series of all) {
    for (const sample of series) {
      const list = bySecond.get(sample.second) ?? [];
      list.push(sample);
      bySecond.set(sample.second, list);
    }
  }
  return [...bySecond.entries()]
    .sort(([a], [b]) => a - b)
    .map(([second, samples]) => mergeSecondSamples(second, samples));
}

function mergeMarks(results: readonly RunResult[]): TimelineMark[] {
  const seen = new Set<string>();
  const marks: TimelineMark[] = [];
  for (const result of results) {
    for (const mark of result.marks) {
      // Shards stepping in lock-step mark the same thing at nearly the same time: keep one.
      const key = `${Math.round(mark.atSecond)}\u0000${mark.label}`;
      if (seen.has(key)) continue;
      seen.add(key);
      marks.push(mark);
    }
  }
  return marks.sort((a, b) => a.atSecond - b.atSecond);
}

function sourceOf(result: RunResult): ResultSource {
  const { meta } = result;
  return {
    ...(meta.shard ? { shard: meta.shard } : {}),
    ...(meta.generatorHost ? { generatorHost: meta.generatorHost } : {}),
    target: meta.target,
    startedAt: meta.startedAt,
    endedAt: meta.endedAt,
    durationSeconds: result.durationSeconds,
    completed: result.derived.replications.completed,
    generatorBottleneck: result.generator.generatorBottleneck,
  };
}

function sumRecords(records: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const record of records) {
    for (const [key, value] of Object.entries(record)) total[key] = (total[key] ?? 0) + value;
  }
  return total;
}

const round3 = (n: number) => Math.round(n * 1_000) / 1_000;
