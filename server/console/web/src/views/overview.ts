import { h, replace } from '../dom.js';
import { formatAgo, formatInteger, formatRate, formatSeconds } from '../format.js';
import { type Buckets, formatBound, parseBuckets, windowQuantile } from '../latency.js';
import { poll } from '../poll.js';
import { RateChart } from '../rate-chart.js';
import type { View } from '../state.js';
import type { CloneQuestion, ComputerPage, StatsResponse } from '../types.js';

const STATS_EVERY_MS = 2_000;
/** Counting problem computers and listing clone questions are queries over the whole fleet: less often. */
const FLEET_EVERY_MS = 10_000;

/** Live fleet figures, the replication-rate chart and the open clone questions. */
export const showOverview: View = (root, state) => {
  const tile = (id: string, label: string) => {
    const value = h('div', { className: 'value', attrs: { 'data-testid': id } }, '…');
    const detail = h('div', { className: 'detail', attrs: { 'data-testid': `${id}-detail` } });
    const element = h('section', { className: 'tile' }, h('h2', {}, label), value, detail);
    return { element, value, detail };
  };
  const computers = tile('computers-total', 'Computers');
  const problems = tile('computers-problems', 'With problems');
  const rate = tile('replication-rate', 'Replications / s');
  const latency = tile('replication-latency', 'Latency p50 / p99');
  const queue = tile('queue-depth', 'Queue depth');
  const interval = tile('replication-interval', 'Replication interval');
  const clones = tile('clone-questions', 'Clone questions');
  const chartBox = h('div', { className: 'chart', attrs: { 'data-testid': 'rate-chart' } });
  const cloneList = h('ul', { className: 'clones', attrs: { 'data-testid': 'clone-list' } });
  const status = h('p', { className: 'status', attrs: { role: 'status' } });

  replace(
    root,
    h('h1', {}, 'Overview'),
    status,
    h(
      'div',
      { className: 'tiles' },
      ...[computers, problems, rate, latency, queue, interval, clones].map((t) => t.element),
    ),
    h('section', { className: 'panel' }, h('h2', {}, 'Replications per second'), chartBox),
    h('section', { className: 'panel' }, h('h2', {}, 'Open clone questions'), cloneList),
  );
  const chart = new RateChart(chartBox);

  let previous: { at: number; replications: number; buckets: Buckets } | null = null;
  const stopStats = poll(async () => {
    try {
      const [stats, metrics] = await Promise.all([
        state.api.get<StatsResponse>('/api/stats'),
        state.api.metrics().catch(() => ''),
      ]);
      const at = Date.now();
      const buckets = parseBuckets(metrics);
      computers.value.textContent = formatInteger(stats.computers);
      const recent = previous
        ? Math.max(0, stats.totals.replications - previous.replications) /
          Math.max(0.001, (at - previous.at) / 1_000)
        : stats.replicationsPerSecond;
      rate.value.textContent = formatRate(recent);
      rate.detail.textContent = `60 s average ${formatRate(stats.replicationsPerSecond)} · ${formatInteger(stats.totals.replications)} answered · ${formatInteger(stats.totals.shed)} shed`;
      if (previous && buckets.size) {
        const p50 = windowQuantile(previous.buckets, buckets, 0.5);
        const p99 = windowQuantile(previous.buckets, buckets, 0.99);
        latency.value.textContent =
          p50 === null ? '–' : `${formatBound(p50, buckets)} / ${formatBound(p99, buckets)}`;
        latency.detail.textContent = 'last 2 s, bucket upper bounds';
      }
      queue.value.textContent = formatInteger(stats.queueDepth);
      queue.detail.textContent = 'replications waiting for the next group commit';
      interval.value.textContent = formatSeconds(stats.interval.currentSeconds);
      interval.detail.textContent =
        stats.interval.stretch > 1
          ? `stretched ×${formatRate(stats.interval.stretch)} from ${formatSeconds(stats.interval.baseSeconds)} (server near capacity)`
          : `base ${formatSeconds(stats.interval.baseSeconds)}, not stretched`;
      clones.value.textContent = formatInteger(stats.cloneQuestionsOpen);
      chart.add(at, recent, stats.replicationsPerSecond);
      previous = { at, replications: stats.totals.replications, buckets };
      status.textContent = '';
    } catch (error) {
      status.textContent = `Could not refresh: ${error instanceof Error ? error.message : String(error)}. Retrying.`;
      throw error;
    }
  }, STATS_EVERY_MS);

  const stopFleet = poll(async () => {
    const count = (status: 'warning' | 'critical') =>
      state.api.get<ComputerPage>('/api/computers', { status, pageSize: 1 }).then((p) => p.total);
    const [warning, critical, openClones] = await Promise.all([
      count('warning'),
      count('critical'),
      state.api.get<{ items: CloneQuestion[] }>('/api/clones'),
    ]);
    problems.value.textContent = formatInteger(warning + critical);
    problems.detail.textContent = `${formatInteger(critical)} critical · ${formatInteger(warning)} warning`;
    const open = openClones.items.filter((q) => q.resolution === null).slice(0, 10);
    replace(
      cloneList,
      ...(open.length
        ? open.map((q) =>
            h(
              'li',
              {},
              h(
                'a',
                { attrs: { href: `#/computers/${encodeURIComponent(q.agentId)}` } },
                q.hostname,
              ),
              ` · asked ${formatAgo(q.createdAt)}`,
            ),
          )
        : [h('li', { className: 'muted' }, 'None waiting.')]),
    );
  }, FLEET_EVERY_MS);

  return () => {
    stopStats();
    stopFleet();
    chart.destroy();
  };
};
