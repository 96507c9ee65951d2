import type { RunResult, ThresholdVerdict } from '../../metrics/run-result.js';
import type { Comparison } from '../compare.js';
import { renderComparisonRows } from '../compare-text.js';
import { formatCount, formatDuration, formatVerdictActual } from '../format.js';
import { loadChartAssets } from './assets.js';
import { COMPARE_SCRIPT } from './compare-script.js';
import { compareEndpointSection, compareTrafficSections } from './compare-traffic.js';
import { reportContentSecurityPolicy } from './csp.js';
import { escapeHtml as e, jsonForScript } from './escape.js';
import { CURVE_PERCENTILES, percentileCurve } from './percentile-curve.js';
import { REPORT_CSS } from './styles.js';

export interface CompareReportInput {
  readonly before: RunResult;
  readonly after: RunResult;
  readonly beforeName: string;
  readonly afterName: string;
  readonly comparison: Comparison;
  readonly thresholds: readonly ThresholdVerdict[];
}

/**
 * `smc report compare --html FILE`: before and after a rollout side by side on one
 * self-contained page (uPlot and the data inlined, scripts allowed by hash only): the verdict,
 * the figure table, and charts of both runs on shared axes (rate and p99 over time, the
 * response-time curve by percentile).
 */
export function renderCompareHtmlReport(input: CompareReportInput): string {
  const { before, after, comparison } = input;
  const assets = loadChartAssets();
  const scripts = [assets.script, COMPARE_SCRIPT];
  const csp = reportContentSecurityPolicy(scripts);
  const rows = renderComparisonRows(comparison)
    .map(
      ([figure, b, a, change, judgement]) =>
        `<tr><td>${e(figure ?? '')}</td><td class="num">${e(b ?? '')}</td><td class="num">${e(a ?? '')}</td><td class="num">${e(change ?? '')}</td><td><span class="tag ${judgement === 'worse' ? 'fail' : judgement === 'better' ? 'pass' : ''}">${e(judgement ?? '')}</span></td></tr>`,
    )
    .join('\n');
  const verdictClass =
    comparison.verdict === 'worse' ? 'fail' : comparison.verdict === 'better' ? 'pass' : 'none';
  const projection = comparison.projection
    ? `<div class="banner ${comparison.projection.meets ? 'pass' : 'fail'}">Projection (${e(comparison.projection.basis)}): ${comparison.projection.meets ? 'MEETS' : 'DOES NOT MEET'}<small>${e(comparison.projection.reason)} · model: ${e(comparison.projection.model)}</small></div>`
    : '';
  const gates =
    input.thresholds.length === 0
      ? ''
      : `<section><h2>Thresholds (judged on after)</h2><table><thead><tr><th>expression</th><th class="num">actual</th><th>result</th></tr></thead><tbody>${input.thresholds
          .map(
            (v) =>
              `<tr><td><code>${e(v.expression)}</code></td><td class="num">${e(formatVerdictActual(v))}</td><td><span class="tag ${v.passed ? 'pass' : 'fail'}">${v.passed ? 'pass' : 'fail'}</span></td></tr>`,
          )
          .join('')}</tbody></table></section>`;
  const side = (label: string, name: string, r: RunResult) =>
    `<tr><th>${e(label)}</th><td class="text">${e(name)}</td><td class="text">${e(r.meta.mode)} run against ${e(r.meta.target)}</td><td class="num">${e(formatCount(r.meta.agents))} agents</td><td class="num">${e(formatDuration(r.durationSeconds))}</td><td>${e(r.meta.startedAt)}</td></tr>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${e(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>smc report compare: ${e(input.beforeName)} -> ${e(input.afterName)}</title>
<style>${assets.css}</style>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>smc comparison: before and after</h1>
<div class="sub">${e(input.beforeName)} → ${e(input.afterName)} · tolerance ${e(`${Math.round(comparison.tolerance * 1_000) / 10}%`)}</div>
</header>
<main>
<div class="banner ${verdictClass}" id="verdict">Comparison: ${e(comparison.verdict.toUpperCase())}${comparison.notes.length > 0 ? `<small>${comparison.notes.map(e).join('<br>')}</small>` : ''}</div>
${projection}
<section><h2>The two runs</h2><table><tbody>
${side('before', input.beforeName, before)}
${side('after', input.afterName, after)}
</tbody></table></section>
<section><h2>Figures</h2><p class="why">A move smaller than the tolerance is "same"; the verdict is worse when any key figure got worse.</p><table><thead><tr><th>figure</th><th class="num">before</th><th class="num">after</th><th class="num">change</th><th>judgement</th></tr></thead><tbody>
${rows}
</tbody></table></section>
${gates}
<section><h2>Completed replications per second</h2><p class="why">Both runs from their own start, on one axis from 0.</p><div id="chart-compare-rate" class="chart"></div></section>
<div class="grid2">
<section><h2>p99 latency over time</h2><p class="why">Per second, from the scheduled time.</p><div id="chart-compare-latency" class="chart"></div></section>
<section><h2>Response-time distribution</h2><p class="why">Latency from the scheduled time at each percentile of the whole run (HDR histograms).</p><div id="chart-compare-percentiles" class="chart"></div></section>
</div>
${compareEndpointSection(before, after)}
${compareTrafficSections(before, after)}
</main>
<footer>smc-kit · report compare · histograms are HDR (exact under merge)</footer>
<script type="application/json" id="compare-data">${jsonForScript({
    percentiles: CURVE_PERCENTILES,
    before: sideData(before),
    after: sideData(after),
  })}</script>
${scripts.map((s) => `<script>${s}</script>`).join('\n')}
</body>
</html>
`;
}

function sideData(result: RunResult) {
  return {
    second: result.series.map((s) => s.second),
    completed: result.series.map((s) => s.completed),
    p99Ms: result.series.map((s) => s.p99Ms),
    curve: percentileCurve(result, 'fromScheduled'),
    // Null where the file predates these series: a gap on the chart, never a zero.
    sessionsOpen: result.series.map((s) => s.sessionsOpen ?? null),
    bytesSent: result.series.map((s) => s.bytesSent ?? null),
    bytesReceived: result.series.map((s) => s.bytesReceived ?? null),
  };
}
