import type { LatencySummary, RunResult, ThresholdVerdict } from '../../simulator/index.js';
import {
  formatCount,
  formatDuration,
  formatMs,
  formatPerSec,
  formatRatio,
  formatVerdictActual,
} from '../../simulator/index.js';
import { renderColumns } from './table.js';

function interruptedLines(result: RunResult): string[] {
  const by = result.meta.options.interruptedBy;
  if (typeof by !== 'string') return [];
  return [`  interrupted by ${terminalSafe(by)}: these figures cover the run until then`];
}

/** The end-of-run table `smc simulate` and `smc report show` print. */
export function renderRunSummary(result: RunResult): string {
  const { meta, derived: d } = result;
  const r = d.replications;
  const of = (n: number) => (r.completed > 0 ? ` (${formatRatio(n / r.completed)})` : '');
  const lines = [
    `smc simulate: ${meta.mode} run against ${terminalSafe(meta.target)}, ${formatDuration(result.durationSeconds)}`,
    `  ${[
      `${formatCount(meta.agents)} agents`,
      meta.intervalSeconds === null ? '' : `interval ${meta.intervalSeconds}s`,
      `time scale ${meta.timeScale}x`,
      `seed ${terminalSafe(String(meta.seed))}`,
      meta.shard ? `shard ${meta.shard.index}/${meta.shard.count}` : '',
      result.sources ? `merged from ${result.sources.length} results` : '',
      `started ${terminalSafe(meta.startedAt)}`,
    ]
      .filter(Boolean)
      .join(', ')}`,
    ...interruptedLines(result),
    '',
    ...labelled([
      ['Scheduled', `${formatCount(r.scheduled)} (${formatPerSec(d.rates.scheduledPerSec)})`],
      ['Completed', `${formatCount(r.completed)} (${formatPerSec(d.rates.attemptedPerSec)})`],
      ['OK', `${formatCount(r.ok)} (${formatPerSec(d.rates.achievedPerSec)})`],
      ['Failed', `${formatCount(r.failed)}${of(r.failed)}${failureText(result)}`],
      [
        'Late',
        `${formatCount(r.late)}${of(r.late)}, sent over ${formatMs(result.lateThresholdMs)} after schedule`,
      ],
      [
        'Logs',
        `generated ${formatCount(d.logs.generated)}, acknowledged ${formatCount(d.logs.acknowledged)}, pending ${formatCount(d.logs.pending)} (unacknowledged when the run ended: kept and resent, not lost), lost ${d.logs.lost === null ? 'not verified (--verify)' : formatCount(d.logs.lost)}`,
      ],
    ]),
    '',
    ...renderColumns(
      ['latency', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'mean'],
      [
        latencyRow('from scheduled', d.latencyFromScheduled),
        latencyRow('from send', d.latencyFromSend),
        latencyRow('lateness', d.lateness),
      ],
    ).map((l) => `  ${l}`),
    '',
    generatorText(result),
  ];
  if (meta.capacity) lines.push('', ...capacityLines(result));
  if (result.thresholds && result.thresholds.length > 0) {
    lines.push('', ...thresholdLines(result.thresholds));
  }
  return `${lines.join('\n')}\n`;
}

/** Threshold verdicts, one per line, and the overall verdict. */
export function thresholdLines(verdicts: readonly ThresholdVerdict[]): string[] {
  const failed = verdicts.filter((v) => !v.passed).length;
  return [
    'Thresholds',
    ...verdicts.map(
      (v) =>
        `  ${v.passed ? 'pass' : 'FAIL'}  ${terminalSafe(v.expression)}  (${formatVerdictActual(v)})`,
    ),
    failed === 0
      ? `Verdict: PASSED (${verdicts.length} threshold${verdicts.length === 1 ? '' : 's'})`
      : `Verdict: FAILED (${failed} of ${verdicts.length} thresholds failed)`,
  ];
}

function failureText(result: RunResult): string {
  const reasons = Object.entries(result.outcomes).filter(([o, n]) => o !== 'ok' && n > 0);
  return reasons.length === 0
    ? ''
    : `: ${reasons.map(([o, n]) => `${o} ${formatCount(n)}`).join(', ')}`;
}

function latencyRow(label: string, s: LatencySummary): string[] {
  return [
    label,
    ...[s.p50Ms, s.p90Ms, s.p95Ms, s.p99Ms, s.p999Ms, s.maxMs, s.meanMs].map(formatMs),
  ];
}

function generatorText(result: RunResult): string {
  const g = result.generator;
  const figures = `event-loop lag p99 ${formatMs(g.eventLoopLag.p99Ms)}, CPU mean ${g.cpu.meanPercent}% max ${g.cpu.maxPercent}%`;
  if (!g.generatorBottleneck) return `Generator  healthy: ${figures}`;
  return [
    `Generator  BOTTLENECK: the load generator limited this run (${figures})`,
    ...g.reasons.map((reason) => `  ! ${reason}`),
  ].join('\n');
}

function capacityLines(result: RunResult): string[] {
  const capacity = result.meta.capacity;
  if (!capacity) return [];
  const highest = capacity.highestPassingRate;
  return [
    `Capacity   ${highest === null ? 'no step held the SLOs' : `highest rate that held: ${formatPerSec(highest)}`} (SLOs: ${capacity.slos.map(terminalSafe).join(', ')})`,
    ...renderColumns(
      ['rate', 'achieved', 'p99', 'errors', 'held'],
      capacity.steps.map((s) => [
        formatPerSec(s.rate),
        formatPerSec(s.achievedPerSec),
        formatMs(s.p99Ms),
        formatRatio(s.errorRatio),
        s.passed ? 'yes' : 'no',
      ]),
    ).map((l) => `  ${l}`),
  ];
}

function labelled(pairs: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
}

/** Text from a run file may hold terminal escape sequences; show them, never obey them. */
export function terminalSafe(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
