import type { RunResult } from '../../metrics/run-result.js';
import { formatCount, formatMs } from '../format.js';
import { escapeHtml as e } from './escape.js';

interface Latency {
  readonly count: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

interface TaskDelivery {
  readonly sessionsSubscribed: number;
  readonly tasksCreated: number;
  readonly targets: number;
  readonly createFailures: number;
  readonly createdToReceived: Latency;
  readonly createdToResult: Latency;
}

const isLatency = (value: unknown): value is Latency =>
  typeof value === 'object' && value !== null && typeof (value as Latency).count === 'number';

/** What a run's options carry under `taskDelivery` (a rehearsal's fleet run with wake-ups on). */
function taskDeliveryOf(result: RunResult): TaskDelivery | null {
  const value = result.meta.options.taskDelivery as unknown;
  if (typeof value !== 'object' || value === null) return null;
  const d = value as TaskDelivery;
  return isLatency(d.createdToReceived) && isLatency(d.createdToResult) ? d : null;
}

/**
 * Task delivery latency beside the replication figures: how long an operator waits from
 * creating a task until its result is in, with wake-ups on. Empty for runs without a probe.
 */
export function taskDeliverySection(result: RunResult): string {
  const d = taskDeliveryOf(result);
  if (!d) return '';
  const ms = (v: number | null) => (v === null ? '-' : formatMs(v));
  const row = (label: string, l: Latency) =>
    `<tr><td>${e(label)}</td><td class="num">${e(ms(l.p50Ms))}</td><td class="num">${e(ms(l.p99Ms))}</td><td class="num">${e(ms(l.maxMs))}</td><td class="num">${e(formatCount(l.count))}</td></tr>`;
  return `<section id="task-delivery"><h2>Task delivery (wake-ups on)</h2><p class="why">${e(`${formatCount(d.tasksCreated)} probe tasks created on the console API for ${formatCount(d.targets)} targets (${formatCount(d.createFailures)} not created), ${formatCount(d.sessionsSubscribed)} agents holding a push session: from the task's creation to the agent having it, and to the server holding its result.`)}</p>
<table><thead><tr><th></th><th class="num">p50</th><th class="num">p99</th><th class="num">max</th><th class="num">count</th></tr></thead><tbody>
${row('created -> received by the agent', d.createdToReceived)}
${row('created -> result received', d.createdToResult)}
</tbody></table></section>`;
}
