import type { LatencySummary } from '../../metrics/histogram.js';
import { OUTCOMES } from '../../metrics/replication-figures.js';
import type { RunResult, ThresholdVerdict } from '../../metrics/run-result.js';
import {
  formatCount,
  formatDuration,
  formatFigure,
  formatMs,
  formatPerSec,
  formatRatio,
  formatVerdictActual,
} from '../format.js';
import { loadChartAssets } from './assets.js';
import { CLIENT_SCRIPT } from './client-script.js';
import { reportContentSecurityPolicy } from './csp.js';
import { escapeHtml as e, jsonForScript } from './escape.js';
import { CURVE_PERCENTILES, percentileCurve } from './percentile-curve.js';
import { REPORT_CSS } from './styles.js';
import { taskDeliverySection } from './task-delivery-section.js';
import {
  bytesSection,
  endpointSection,
  sessionsSection,
  trafficChartData,
} from './traffic-views.js';

/**
 * `--html FILE`: one self-contained page (uPlot and the data inlined, no network at view
 * time). A Content-Security-Policy allows only the page's own two scripts, by hash, so even
 * a string that slipped past escaping could not run.
 */
export function renderHtmlReport(result: RunResult): string {
  const assets = loadChartAssets();
  const scripts = [assets.script, CLIENT_SCRIPT];
  const csp = reportContentSecurityPolicy(scripts);
  const { meta } = result;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${e(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>smc simulate: ${e(meta.mode)} run against ${e(meta.target)}</title>
<style>${assets.css}</style>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>smc load report: ${e(meta.mode)} run</h1>
<div class="sub">${e(meta.target)} · ${e(formatCount(meta.agents))} agents · ${e(formatDuration(result.durationSeconds))} · started ${e(meta.startedAt)}${result.sources ? ` · merged from ${result.sources.length} results` : ''}</div>
</header>
<main>
${verdictBanner(result)}
${generatorBanner(result)}
${cards(result)}
${thresholdSection(result.thresholds)}
${capacitySection(result)}
<section><h2>Replication rate</h2><p class="why">What the timetable asked for against what completed. A gap between scheduled and completed is the server (or the generator) falling behind.</p><div id="chart-rate"></div>${emptyNote(result)}</section>
<div class="grid2">
<section><h2>Latency over time</h2><p class="why">Per second, measured from the scheduled time, so queueing shows up here rather than as a lower rate; the band spans p50 to p99, the dashed line above it is the second's slowest (max).</p><div id="chart-latency"></div>${emptyNote(result)}</section>
<section><h2>Failures and late sends</h2><p class="why">Failed replications (any reason) and sends later than ${e(formatMs(result.lateThresholdMs))} after schedule.</p><div id="chart-errors"></div>${emptyNote(result)}</section>
</div>
${endpointSection(result)}
<div class="grid2">
${sessionsSection(result)}
${bytesSection(result)}
</div>
<section><h2>Response-time distribution</h2><p class="why">Latency at each percentile of the whole run (HDR histograms): the tail shows to the right.</p><div id="chart-distribution"></div>${result.derived.latencyFromScheduled.count === 0 ? '<p class="empty">No replications completed.</p>' : ''}</section>
${latencySection(result)}
${taskDeliverySection(result)}
<div class="grid2">
${outcomeSection(result)}
${logSection(result)}
</div>
<section><h2>Generator health</h2><p class="why">Event-loop lag and CPU of the load generator itself. When these run high, the generator, not the server, limits the run.</p><div id="chart-generator"></div>${emptyNote(result)}</section>
${runSection(result)}
</main>
<footer>smc-kit · result schema v${e(String(result.schemaVersion))} · histograms are HDR (exact under merge)</footer>
<script type="application/json" id="run-data">${jsonForScript(chartData(result))}</script>
${scripts.map((s) => `<script>${s}</script>`).join('\n')}
</body>
</html>
`;
}

/** The data the browser script draws: columns, not rows, as uPlot wants them. */
function chartData(result: RunResult) {
  const column = <K extends keyof RunResult['series'][number]>(key: K) =>
    result.series.map((s) => s[key]);
  // Draw the tightest upper p99 gate as a line on the latency chart.
  const p99Limits = (result.thresholds ?? [])
    .filter((t) => t.metric === 'p99' && (t.operator === '<' || t.operator === '<='))
    .map((t) => t.limit);
  return {
    series: {
      second: column('second'),
      scheduled: column('scheduled'),
      completed: column('completed'),
      ok: column('ok'),
      failed: column('failed'),
      late: column('late'),
      p50Ms: column('p50Ms'),
      p99Ms: column('p99Ms'),
      // Absent in files that predate it: the chart then draws p50..p99 only.
      maxMs: result.series.some((s) => s.maxMs !== undefined)
        ? result.series.map((s) => s.maxMs ?? null)
        : null,
      eventLoopLagP99Ms: column('eventLoopLagP99Ms'),
      cpuPercent: column('cpuPercent'),
    },
    traffic: trafficChartData(result),
    marks: result.marks,
    capacity: result.meta.capacity ?? null,
    generatorLimits: result.generator.limits,
    latencyLimitMs: p99Limits.length > 0 ? Math.min(...p99Limits) : null,
    percentiles: CURVE_PERCENTILES,
    curve: {
      count: result.derived.latencyFromScheduled.count,
      fromScheduled: percentileCurve(result, 'fromScheduled'),
      fromSend: percentileCurve(result, 'fromSend'),
    },
  };
}

function verdictBanner(result: RunResult): string {
  const verdicts = result.thresholds ?? [];
  if (verdicts.length === 0) {
    return '<div class="banner none">No thresholds were set for this run<small>Add gates with --threshold, e.g. <code>p99&lt;250ms</code> or <code>errors&lt;0.1%</code>.</small></div>';
  }
  const failed = verdicts.filter((v) => !v.passed);
  if (failed.length === 0) {
    return `<div class="banner pass">PASSED: all ${verdicts.length} thresholds held</div>`;
  }
  return `<div class="banner fail">FAILED: ${failed.length} of ${verdicts.length} thresholds broke<small>${failed.map((v) => `<code>${e(v.expression)}</code> (${e(formatVerdictActual(v))})`).join(' · ')}</small></div>`;
}

function generatorBanner(result: RunResult): string {
  if (!result.generator.generatorBottleneck) return '';
  return `<div class="banner warn">The load generator was the bottleneck: the server may do better than shown<small>${result.generator.reasons.map(e).join('<br>')}</small></div>`;
}

function cards(result: RunResult): string {
  const d = result.derived;
  const card = (label: string, value: string, hint: string) =>
    `<div class="card"><div class="label">${e(label)}</div><div class="value">${e(value)}</div><div class="hint">${e(hint)}</div></div>`;
  return `<div class="cards">
${card('Replications / s', formatPerSec(d.rates.achievedPerSec), `scheduled ${formatPerSec(d.rates.scheduledPerSec)}`)}
${card('p50 latency', formatMs(d.latencyFromScheduled.p50Ms), `from send ${formatMs(d.latencyFromSend.p50Ms)}`)}
${card('p99 latency', formatMs(d.latencyFromScheduled.p99Ms), `from send ${formatMs(d.latencyFromSend.p99Ms)}`)}
${card('Errors', formatRatio(d.errorRatio), `${formatCount(d.replications.failed)} of ${formatCount(d.replications.completed)}`)}
${card('Late', formatRatio(d.lateRatio), `${formatCount(d.replications.late)} sent late`)}
${card('Lost logs', d.logs.lost === null ? 'n/a' : formatCount(d.logs.lost), d.logs.lost === null ? 'not verified (--verify)' : `${formatCount(d.logs.acknowledged)} acknowledged`)}
</div>`;
}

function thresholdSection(verdicts: readonly ThresholdVerdict[] | undefined): string {
  if (!verdicts || verdicts.length === 0) return '';
  const rows = verdicts
    .map(
      (v) =>
        `<tr><td class="text"><code>${e(v.expression)}</code></td><td class="num">${v.actual === null ? 'n/a' : e(formatFigure(v.kind, v.actual))}</td><td><span class="tag ${v.passed ? 'pass' : 'fail'}">${v.passed ? 'pass' : 'fail'}</span></td><td class="text">${e(v.note ?? '')}</td></tr>`,
    )
    .join('\n');
  return `<section><h2>Thresholds</h2><table><thead><tr><th>expression</th><th class="num">actual</th><th>result</th><th>note</th></tr></thead><tbody>
${rows}
</tbody></table></section>`;
}

function capacitySection(result: RunResult): string {
  const capacity = result.meta.capacity;
  if (!capacity) return '';
  const highest = capacity.highestPassingRate;
  const rows = capacity.steps
    .map(
      (s) =>
        `<tr><td class="num">${e(formatPerSec(s.rate))}</td><td class="num">${e(formatPerSec(s.achievedPerSec))}</td><td class="num">${e(formatMs(s.p99Ms))}</td><td class="num">${e(formatRatio(s.errorRatio))}</td><td><span class="tag ${s.passed ? 'pass' : 'fail'}">${s.passed ? 'held' : 'broke'}</span></td></tr>`,
    )
    .join('\n');
  return `<section><h2>Capacity search: ${highest === null ? 'no step held the SLOs' : `${e(formatPerSec(highest))} is the highest rate that held`}</h2>
<p class="why">SLOs: ${capacity.slos.map((s) => `<code>${e(s)}</code>`).join(' ') || 'none'}. Each step ran at a fixed target rate; points on the dashed line kept up.</p>
<div id="chart-capacity"></div>
<table><thead><tr><th class="num">target</th><th class="num">achieved</th><th class="num">p99</th><th class="num">errors</th><th>SLOs</th></tr></thead><tbody>
${rows}
</tbody></table></section>`;
}

function latencySection(result: RunResult): string {
  const d = result.derived;
  const row = (label: string, s: LatencySummary) =>
    `<tr><td>${e(label)}</td>${[s.p50Ms, s.p90Ms, s.p95Ms, s.p99Ms, s.p999Ms, s.maxMs, s.meanMs].map((v) => `<td class="num">${e(formatMs(v))}</td>`).join('')}<td class="num">${e(formatCount(s.count))}</td></tr>`;
  return `<section><h2>Latency distribution (whole run)</h2><p class="why">From HDR histograms: exact for the whole run, also after merging shards.</p>
<table><thead><tr><th></th><th class="num">p50</th><th class="num">p90</th><th class="num">p95</th><th class="num">p99</th><th class="num">p99.9</th><th class="num">max</th><th class="num">mean</th><th class="num">count</th></tr></thead><tbody>
${row('from scheduled time', d.latencyFromScheduled)}
${row('from send time', d.latencyFromSend)}
${row('lateness (sent - scheduled)', d.lateness)}
</tbody></table></section>`;
}

function outcomeSection(result: RunResult): string {
  const completed = result.derived.replications.completed;
  const rows = OUTCOMES.map((o) => {
    const n = result.outcomes[o];
    return `<tr><td>${e(o)}</td><td class="num">${e(formatCount(n))}</td><td class="num">${completed > 0 ? e(formatRatio(n / completed)) : '-'}</td></tr>`;
  }).join('\n');
  return `<section><h2>Outcomes</h2><table><thead><tr><th>outcome</th><th class="num">count</th><th class="num">share</th></tr></thead><tbody>
${rows}
</tbody></table></section>`;
}

function logSection(result: RunResult): string {
  const l = result.derived.logs;
  const rows: [string, string][] = [
    ['generated', formatCount(l.generated)],
    ['sent (with resends)', formatCount(l.sent)],
    ['resent', formatCount(l.resent)],
    ['acknowledged', formatCount(l.acknowledged)],
    ['pending at the end', formatCount(l.pending)],
    ['lost', l.lost === null ? 'not verified' : formatCount(l.lost)],
  ];
  const counters = Object.entries(result.counters)
    .filter(([name]) => !name.startsWith('logs_') && !name.startsWith('replications_'))
    .map(([name, n]) => [name.replaceAll('_', ' '), formatCount(n)] as [string, string]);
  return `<section><h2>Logs and agent activity</h2><table><tbody>
${[...rows, ...counters].map(([k, v]) => `<tr><td>${e(k)}</td><td class="num">${e(v)}</td></tr>`).join('\n')}
</tbody></table></section>`;
}

function runSection(result: RunResult): string {
  const { meta } = result;
  const pairs: [string, string][] = [
    ['mode', meta.mode],
    ['target', meta.target],
    ['agents', formatCount(meta.agents)],
    ['interval', meta.intervalSeconds === null ? '-' : `${meta.intervalSeconds}s`],
    ['time scale', `${meta.timeScale}x`],
    ['seed', String(meta.seed)],
    ['shard', meta.shard ? `${meta.shard.index}/${meta.shard.count}` : '-'],
    ['generator host', meta.generatorHost ?? '-'],
    ['started', meta.startedAt],
    ['ended', meta.endedAt],
    ['late limit', formatMs(result.lateThresholdMs)],
    // Options as rows (nested values flattened to dotted names), not a JSON blob.
    ...optionRows(meta.options),
  ];
  if (meta.verify) {
    pairs.push([
      'verified',
      `${formatCount(meta.verify.checkedAgents)} agents, ${formatCount(meta.verify.logsAcknowledged)} acknowledged logs, ${formatCount(meta.verify.lost)} lost`,
    ]);
  }
  const marks =
    result.marks.length === 0
      ? ''
      : `<h2 style="margin-top:16px">Timeline marks</h2><table><tbody>${result.marks.map((m) => `<tr><td class="num">${e(m.atSecond.toFixed(1))}s</td><td class="text">${e(m.label)}</td></tr>`).join('')}</tbody></table>`;
  const sources = result.sources
    ? `<h2 style="margin-top:16px">Merged results</h2><table><thead><tr><th>shard</th><th>host</th><th>target</th><th>started</th><th class="num">completed</th><th>generator</th></tr></thead><tbody>${result.sources.map((s) => `<tr><td>${s.shard ? e(`${s.shard.index}/${s.shard.count}`) : '-'}</td><td class="text">${e(s.generatorHost ?? '-')}</td><td class="text">${e(s.target)}</td><td>${e(s.startedAt)}</td><td class="num">${e(formatCount(s.completed))}</td><td>${s.generatorBottleneck ? '<span class="tag fail">saturated</span>' : '<span class="tag pass">healthy</span>'}</td></tr>`).join('')}</tbody></table>`
    : '';
  return `<section id="run-details"><h2>Run</h2><table><tbody>
${pairs.map(([k, v]) => `<tr><th>${e(k)}</th><td class="text">${e(v)}</td></tr>`).join('\n')}
</tbody></table>${marks}${sources}</section>`;
}

function optionRows(options: RunResult['meta']['options'], prefix = 'option '): [string, string][] {
  return Object.entries(options).flatMap(([key, value]): [string, string][] =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? optionRows(value as RunResult['meta']['options'], `${prefix}${key}.`)
      : [[`${prefix}${key}`, Array.isArray(value) ? value.join(', ') : String(value)]],
  );
}

function emptyNote(result: RunResult): string {
  return result.series.length === 0
    ? '<p class="empty">No per-second samples in this run.</p>'
    : '';
}
