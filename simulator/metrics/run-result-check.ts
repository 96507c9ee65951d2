import { ENDPOINTS, type SecondSample } from './contract.js';
import { decodeHistogram, HISTOGRAM_ENCODING, HISTOGRAM_UNIT } from './histogram.js';
import { arrayAt, isObject, numberAt, numberRecordAt, objectAt, stringAt } from './json-check.js';
import { OUTCOMES, type OutcomeCounts, type ReplicationHistograms } from './replication-figures.js';
import { checkRunMeta } from './run-meta-check.js';
import {
  deriveFigures,
  RUN_RESULT_KIND,
  RUN_RESULT_SCHEMA_VERSION,
  type RunResult,
} from './run-result.js';

const SAMPLE_FIELDS: readonly (keyof SecondSample)[] = [
  'second',
  'scheduled',
  'completed',
  'ok',
  'failed',
  'late',
  'p50Ms',
  'p99Ms',
  'inFlight',
  'eventLoopLagP99Ms',
  'cpuPercent',
];

/** Added to the series later: optional, so older files still read (absent, not zero). */
const OPTIONAL_SAMPLE_FIELDS: readonly (keyof SecondSample)[] = [
  'maxMs',
  'sessionsOpen',
  'agentsActive',
  'agentsEnrolled',
  'bytesSent',
  'bytesReceived',
];
const ENDPOINT_SECOND_FIELDS = ['requests', 'errors', 'p50Ms', 'p99Ms'] as const;
const ENDPOINT_TOTAL_FIELDS = ['requests', 'errors', 'bytesSent', 'bytesReceived'] as const;

/**
 * Reads a RunResult from parsed JSON (a file someone gave us). Checks the shape, decodes the
 * histograms, and recomputes `derived` from the raw parts so a hand-edited figure cannot
 * disagree with its histogram. `source` (a file name) prefixes every error.
 */
export function parseRunResult(value: unknown, source: string): RunResult {
  try {
    return checkedResult(value);
  } catch (error) {
    if (error instanceof RangeError) throw new RangeError(`${source}: ${error.message}`);
    throw error;
  }
}

function checkedResult(value: unknown): RunResult {
  if (!isObject(value) || value.kind !== RUN_RESULT_KIND) {
    throw new RangeError(`not an smc simulator result (kind must be "${RUN_RESULT_KIND}")`);
  }
  if (value.schemaVersion !== RUN_RESULT_SCHEMA_VERSION) {
    throw new RangeError(
      `schemaVersion ${JSON.stringify(value.schemaVersion)} is not supported; this smc reads version ${RUN_RESULT_SCHEMA_VERSION}`,
    );
  }
  const meta = checkRunMeta(value.meta, 'meta');
  const durationSeconds = numberAt(value.durationSeconds, 'durationSeconds', 0);
  numberAt(value.lateThresholdMs, 'lateThresholdMs', 0);
  const counters = numberRecordAt(value.counters, 'counters');
  numberRecordAt(value.gauges, 'gauges');
  const outcomesIn = objectAt(value.outcomes, 'outcomes');
  const outcomes = Object.fromEntries(
    OUTCOMES.map((o) => [o, numberAt(outcomesIn[o] ?? 0, `outcomes.${o}`, 0)]),
  ) as OutcomeCounts;
  arrayAt(value.marks, 'marks').forEach((m, i) => {
    const mark = objectAt(m, `marks[${i}]`);
    numberAt(mark.atSecond, `marks[${i}].atSecond`);
    stringAt(mark.label, `marks[${i}].label`);
  });
  const series = arrayAt(value.series, 'series').map((s, i) => {
    const sample = objectAt(s, `series[${i}]`);
    for (const field of SAMPLE_FIELDS) numberAt(sample[field], `series[${i}].${field}`);
    for (const field of OPTIONAL_SAMPLE_FIELDS) {
      if (sample[field] !== undefined) numberAt(sample[field], `series[${i}].${field}`, 0);
    }
    if (sample.endpoints !== undefined) {
      checkEndpointRecord(sample.endpoints, `series[${i}].endpoints`, (one, at) => {
        for (const field of ENDPOINT_SECOND_FIELDS) numberAt(one[field], `${at}.${field}`, 0);
      });
    }
    return sample as unknown as SecondSample;
  });
  const generator = objectAt(value.generator, 'generator');
  if (typeof generator.generatorBottleneck !== 'boolean') {
    throw new RangeError('generator.generatorBottleneck: must be true or false');
  }
  arrayAt(generator.reasons, 'generator.reasons').forEach((r, i) => {
    stringAt(r, `generator.reasons[${i}]`);
  });
  if (value.thresholds !== undefined) arrayAt(value.thresholds, 'thresholds');
  if (value.endpoints !== undefined) {
    checkEndpointRecord(value.endpoints, 'endpoints', (one, at) => {
      for (const field of ENDPOINT_TOTAL_FIELDS) numberAt(one[field], `${at}.${field}`, 0);
      decodeHistogram(stringAt(one.latency, `${at}.latency`), `${at}.latency`);
    });
  }
  return {
    ...(value as unknown as RunResult),
    derived: deriveFigures({
      durationSeconds,
      counters,
      outcomes,
      histograms: decodeResultHistograms(value.histograms),
      series,
      ...(meta.verify ? { verify: meta.verify } : {}),
    }),
  };
}

/** Decodes a result's histograms, naming the field that is broken. */
export function decodeResultHistograms(value: unknown): ReplicationHistograms {
  const encoded = objectAt(value, 'histograms');
  if (encoded.encoding !== HISTOGRAM_ENCODING || encoded.unit !== HISTOGRAM_UNIT) {
    throw new RangeError(
      `histograms: encoding must be "${HISTOGRAM_ENCODING}" in unit "${HISTOGRAM_UNIT}"`,
    );
  }
  const decode = (name: string) =>
    decodeHistogram(stringAt(encoded[name], `histograms.${name}`), `histograms.${name}`);
  return {
    fromScheduled: decode('fromScheduled'),
    fromSend: decode('fromSend'),
    lateness: decode('lateness'),
  };
}

/** An object keyed by endpoint name; unknown names are refused (a typo never passes). */
function checkEndpointRecord(
  value: unknown,
  field: string,
  checkOne: (one: Record<string, unknown>, at: string) => void,
): void {
  for (const [name, one] of Object.entries(objectAt(value, field))) {
    if (!(ENDPOINTS as readonly string[]).includes(name)) {
      throw new RangeError(`${field}: unknown endpoint ${JSON.stringify(name)}`);
    }
    checkOne(objectAt(one, `${field}.${name}`), `${field}.${name}`);
  }
}
