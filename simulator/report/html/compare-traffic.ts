import type { EndpointName } from '../../metrics/contract.js';
import { decodeHistogram, summariseHistogram } from '../../metrics/histogram.js';
import type { RunResult } from '../../metrics/run-result.js';
import { formatCount, formatMs } from '../format.js';
import { escapeHtml as e } from './escape.js';
import { ENDPOINT_LABELS, endpointsOf, hasSeriesField } from './traffic-views.js';

/**
 * `report compare --html`: the per-endpoint split and the traffic charts (sessions, bytes/s)
 * of both runs side by side. A run whose file predates these figures shows "not recorded".
 */
export function compareEndpointSection(before: RunResult, after: RunResult): string {
  const names = [...new Set([...endpointsOf(before), ...endpointsOf(after)])];
  if (names.length === 0) {
    return '<section id="compare-endpoints"><h2>Requests by endpoint</h2><p class="empty">Neither result recorded requests by endpoint (written by an older smc).</p></section>';
  }
  const figures = (r: RunResult, name: EndpointName) => {
    const totals = r.endpoints?.[name];
    if (!totals) return null;
    const latency = summariseHistogram(
      decodeHistogram(totals.latency, `endpoints.${name}.latency`),
    );
    return {
      requests: totals.requests,
      errors: totals.errors,
      p50Ms: latency.p50Ms,
      p99Ms: latency.p99Ms,
    };
  };
  const cell = (text: string) => `<td class="num">${e(text)}</td>`;
  const rows = names
    .map((name) => {
      const b = figures(before, name);
      const a = figures(after, name);
      const pair = (pick: (f: NonNullable<typeof b>) => string) =>
        cell(b ? pick(b) : 'not recorded') + cell(a ? pick(a) : 'not recorded');
      return `<tr><td class="text">${e(ENDPOINT_LABELS[name])}</td>${pair((f) => formatCount(f.requests))}${pair((f) => formatCount(f.errors))}${pair((f) => formatMs(f.p50Ms))}${pair((f) => formatMs(f.p99Ms))}</tr>`;
    })
    .join('\n');
  return `<section id="compare-endpoints"><h2>Requests by endpoint</h2><p class="why">Each endpoint before and after; latency from the request's start to its answer.</p>
<table><thead><tr><th>endpoint</th><th class="num">requests before</th><th class="num">after</th><th class="num">errors before</th><th class="num">after</th><th class="num">p50 before</th><th class="num">after</th><th class="num">p99 before</th><th class="num">after</th></tr></thead><tbody>
${rows}
</tbody></table></section>`;
}

export function compareTrafficSections(before: RunResult, after: RunResult): string {
  const either = (field: 'sessionsOpen' | 'bytesSent') =>
    hasSeriesField(before, field) || hasSeriesField(after, field);
  const empty = '<p class="empty">Neither result recorded this (written by an older smc).</p>';
  return `<div class="grid2">
<section><h2>Sessions connected over time</h2><p class="why">Sessions open to the target at the end of each second.</p>${either('sessionsOpen') ? '<div id="chart-compare-sessions" class="chart"></div>' : empty}</section>
<section><h2>Bytes per second</h2><p class="why">Request and response bodies, all endpoints.</p>${either('bytesSent') ? '<div id="chart-compare-bytes" class="chart"></div>' : empty}</section>
</div>`;
}
