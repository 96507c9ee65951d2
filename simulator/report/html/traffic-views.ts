import { ENDPOINTS, type EndpointName } from '../../metrics/contract.js';
import { decodeHistogram, summariseHistogram } from '../../metrics/histogram.js';
import type { RunResult } from '../../metrics/run-result.js';
import { formatBytes, formatCount, formatMs, formatRatio } from '../format.js';
import { escapeHtml as e } from './escape.js';

/**
 * The report's traffic views, as Gatling and k6 users expect them: connected sessions and
 * agents over time, the split by endpoint (enroll, replicate, MDM check-in, sightings) and
 * bytes per second. Result files from before smc recorded these say so instead of drawing
 * zeros.
 */

/** What each endpoint is, for the table and the legends. */
export const ENDPOINT_LABELS: Readonly<Record<EndpointName, string>> = {
  enroll: 'enroll (POST /v1/enroll)',
  replicate: 'replicate (POST /v1/replicate)',
  mdm_enroll: 'MDM enroll (POST /mdm/v1/enroll)',
  mdm_check_in: 'MDM check-in (POST /mdm/v1/check-in)',
  sightings: 'sightings (POST /v1/sightings)',
};

const NOT_RECORDED =
  '<p class="empty">Not recorded in this result: it was written by an smc that did not record this view yet.</p>';

/** Whether the result's series carries a field (files of older smc versions do not). */
export function hasSeriesField(
  result: RunResult,
  field: 'sessionsOpen' | 'bytesSent' | 'endpoints',
): boolean {
  return result.series.some((s) => s[field] !== undefined);
}

/** Endpoints called in the run, in ENDPOINTS order. */
export function endpointsOf(result: RunResult): EndpointName[] {
  return ENDPOINTS.filter(
    (name) =>
      result.endpoints?.[name] !== undefined || result.series.some((s) => s.endpoints?.[name]),
  );
}

export function sessionsSection(result: RunResult): string {
  const body = hasSeriesField(result, 'sessionsOpen')
    ? '<div id="chart-sessions"></div>'
    : NOT_RECORDED;
  return `<section><h2>Active sessions and agents</h2><p class="why">Sessions connected to the target at the end of each second, the agents the workload plays, and the agents enrolled so far. Sessions far below agents: per-replication connections (or a server closing them).</p>${body}</section>`;
}

export function bytesSection(result: RunResult): string {
  const body = hasSeriesField(result, 'bytesSent') ? '<div id="chart-bytes"></div>' : NOT_RECORDED;
  return `<section><h2>Bytes per second</h2><p class="why">Request and response bodies of every endpoint (HTTP headers and TLS framing come on top).</p>${body}</section>`;
}

export function endpointSection(result: RunResult): string {
  const names = endpointsOf(result);
  if (names.length === 0) {
    const why = result.endpoints ? '<p class="empty">No requests in this run.</p>' : NOT_RECORDED;
    return `<section id="endpoints"><h2>Requests by endpoint</h2>${why}</section>`;
  }
  const rows = names
    .map((name) => {
      const totals = result.endpoints?.[name];
      if (!totals) return '';
      const latency = summariseHistogram(
        decodeHistogram(totals.latency, `endpoints.${name}.latency`),
      );
      return `<tr><td class="text">${e(ENDPOINT_LABELS[name])}</td><td class="num">${e(formatCount(totals.requests))}</td><td class="num">${e(formatCount(totals.errors))}</td><td class="num">${e(formatRatio(totals.requests > 0 ? totals.errors / totals.requests : 0))}</td><td class="num">${e(formatMs(latency.p50Ms))}</td><td class="num">${e(formatMs(latency.p99Ms))}</td><td class="num">${e(formatBytes(totals.bytesSent))}</td><td class="num">${e(formatBytes(totals.bytesReceived))}</td></tr>`;
    })
    .join('\n');
  const charts = hasSeriesField(result, 'endpoints')
    ? '<div class="grid2"><div><h3>Requests per second</h3><div id="chart-endpoint-rate"></div></div><div><h3>p99 latency per endpoint</h3><div id="chart-endpoint-latency"></div></div></div>'
    : '';
  return `<section id="endpoints"><h2>Requests by endpoint</h2><p class="why">Every request the simulator made, by endpoint; latency from the request's start (its connect included) to the answer. Task results ride on replicate and check-in, so they have no row of their own.</p>
<table><thead><tr><th>endpoint</th><th class="num">requests</th><th class="num">errors</th><th class="num">error %</th><th class="num">p50</th><th class="num">p99</th><th class="num">sent</th><th class="num">received</th></tr></thead><tbody>
${rows}
</tbody></table>${charts}</section>`;
}

/** Columns for the browser script: null where a second lacks the field (a gap, not a zero). */
export function trafficChartData(result: RunResult) {
  const column = (pick: (s: RunResult['series'][number]) => number | undefined) =>
    result.series.map((s) => pick(s) ?? null);
  const names = endpointsOf(result);
  return {
    sessionsOpen: column((s) => s.sessionsOpen),
    agentsActive: column((s) => s.agentsActive),
    agentsEnrolled: column((s) => s.agentsEnrolled),
    bytesSentPerSec: column((s) => s.bytesSent),
    bytesReceivedPerSec: column((s) => s.bytesReceived),
    endpoints: names.map((name) => ({
      name,
      label: ENDPOINT_LABELS[name].split(' (')[0],
      // A second without a request to the endpoint: 0 requests, no latency point.
      requests: result.series.map((s) => (s.endpoints ? (s.endpoints[name]?.requests ?? 0) : null)),
      errors: result.series.map((s) => (s.endpoints ? (s.endpoints[name]?.errors ?? 0) : null)),
      p50Ms: column((s) => s.endpoints?.[name]?.p50Ms),
      p99Ms: column((s) => s.endpoints?.[name]?.p99Ms),
    })),
  };
}
