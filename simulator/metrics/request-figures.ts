import {
  ENDPOINTS,
  type EndpointName,
  type EndpointSecond,
  type RequestSample,
} from './contract.js';
import { encodeHistogram, percentileMs, recordMs } from './histogram.js';
import type { MetricsRegistry } from './registry.js';

/** The registry names a request lands under; one place, so every reader agrees. */
export const REQUEST_NAMES = {
  requests: 'requests', // labelled by endpoint
  errors: 'request_errors', // labelled by endpoint
  // Labelled by endpoint, never plain counters: bytes vary run to run with the bodies' text
  // (times, counts), and a result's counters are the figures equal runs agree on exactly.
  bytesSent: 'bytes_sent',
  bytesReceived: 'bytes_received',
  /** One histogram per endpoint: `request_latency:replicate`. */
  latency: (endpoint: EndpointName) => `request_latency:${endpoint}`,
} as const;

/** One endpoint's figures over a whole run, as a result file keeps them (they merge exactly). */
export interface EndpointTotals {
  readonly requests: number;
  readonly errors: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** HDR histogram of request latency (start to answer), as the result's other histograms. */
  readonly latency: string;
}

/** Checks a sample from the load half; a bad one is a bug there, named precisely. */
export function checkRequestSample(sample: RequestSample): void {
  if (!ENDPOINTS.includes(sample.endpoint)) {
    throw new RangeError(`request sample: unknown endpoint ${JSON.stringify(sample.endpoint)}`);
  }
  for (const field of ['startedAtMs', 'doneAtMs'] as const) {
    if (!Number.isFinite(sample[field])) {
      throw new RangeError(`request sample: ${field} must be a finite number`);
    }
  }
  for (const field of ['bytesSent', 'bytesReceived'] as const) {
    if (!Number.isInteger(sample[field]) || sample[field] < 0) {
      throw new RangeError(`request sample: ${field} must be an integer >= 0`);
    }
  }
}

export function recordRequestInto(registry: MetricsRegistry, sample: RequestSample): void {
  registry.countLabelled(REQUEST_NAMES.requests, sample.endpoint);
  if (sample.failed) registry.countLabelled(REQUEST_NAMES.errors, sample.endpoint);
  registry.countLabelled(REQUEST_NAMES.bytesSent, sample.endpoint, sample.bytesSent);
  registry.countLabelled(REQUEST_NAMES.bytesReceived, sample.endpoint, sample.bytesReceived);
  recordMs(
    registry.histogram(REQUEST_NAMES.latency(sample.endpoint)),
    sample.doneAtMs - sample.startedAtMs,
  );
}

/** Bytes sent and received over every endpoint (a second's totals, for bytes/s). */
export function bytesOf(registry: MetricsRegistry): { sent: number; received: number } {
  let sent = 0;
  let received = 0;
  for (const e of ENDPOINTS) {
    sent += registry.labelledCounter(REQUEST_NAMES.bytesSent, e);
    received += registry.labelledCounter(REQUEST_NAMES.bytesReceived, e);
  }
  return { sent, received };
}

/** Endpoints that saw at least one request in `registry`, in ENDPOINTS order. */
function endpointsSeen(registry: MetricsRegistry): EndpointName[] {
  return ENDPOINTS.filter((e) => registry.labelledCounter(REQUEST_NAMES.requests, e) > 0);
}

/** One second's split by endpoint (only endpoints that were called). */
export function endpointSecondsOf(
  registry: MetricsRegistry,
): Partial<Record<EndpointName, EndpointSecond>> {
  return Object.fromEntries(
    endpointsSeen(registry).map((e) => {
      const latency = registry.histogram(REQUEST_NAMES.latency(e));
      return [
        e,
        {
          requests: registry.labelledCounter(REQUEST_NAMES.requests, e),
          errors: registry.labelledCounter(REQUEST_NAMES.errors, e),
          p50Ms: percentileMs(latency, 50),
          p99Ms: percentileMs(latency, 99),
        },
      ];
    }),
  );
}

/** The whole run's split by endpoint, histograms encoded for the result file. */
export function endpointTotalsOf(
  registry: MetricsRegistry,
): Partial<Record<EndpointName, EndpointTotals>> {
  return Object.fromEntries(
    endpointsSeen(registry).map((e) => [
      e,
      {
        requests: registry.labelledCounter(REQUEST_NAMES.requests, e),
        errors: registry.labelledCounter(REQUEST_NAMES.errors, e),
        bytesSent: registry.labelledCounter(REQUEST_NAMES.bytesSent, e),
        bytesReceived: registry.labelledCounter(REQUEST_NAMES.bytesReceived, e),
        latency: encodeHistogram(registry.histogram(REQUEST_NAMES.latency(e))),
      },
    ]),
  );
}
