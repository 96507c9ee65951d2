import { cloneButtons } from '../clone-answers.js';
import { h, replace } from '../dom.js';
import { formatAgo, formatInteger, formatRate, formatSeconds } from '../format.js';
import { poll } from '../poll.js';
import { RateChart } from '../rate-chart.js';
import type { View } from '../state.js';
import { OfflineChart, TrendChart } from '../trend-chart.js';
import type {
  CloneQuestion,
  ComputerPage,
  FleetSample,
  SeriesAnswer,
  StatsResponse,
  Trends,
} from '../types.js';

const STATS_EVERY_MS = 2_000;
/** Counting problem computers and listing clone questions are queries over the whole fleet: less often. */
const FLEET_EVERY_MS = 10_000;
/** Trends are per day (and the offline samples every 5 minutes). */
const TRENDS_EVERY_MS = 60_000;

const ms = (v: number | null) => (v === null ? '–' : `${formatRate(v)} ms`);

/** Live fleet figures, the replication-rate chart, trends and the open clone questions. */
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
  const latency = tile('replication-latency', 'Latency p50 / p95 / p99');
  const queue = tile('queue-depth', 'Queue depth');
  const interval = tile('replication-interval', 'Replication interval');
  const clones = tile('clone-questions', 'Clone questions');
  const chartBox = h('div', { className: 'chart', attrs: { 'data-testid': 'rate-chart' } });
  const trendBox = h('div', { className: 'chart', attrs: { 'data-testid': 'trend-chart' } });
  const offlineBox = h('div', {
    className: 'chart small',
    attrs: { 'data-testid': 'offline-chart' },
  });
  const offlineNow = h('p', { className: 'muted', attrs: { 'data-testid': 'offline-trend' } });
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
    h(
      'section',
      { className: 'panel' },
      h('h2', {}, 'Replications per second and latency (last 10 minutes, kept by the server)'),
      chartBox,
    ),
    h(
      'section',
      { className: 'panel' },
      h('h2', {}, 'Trends: detections and new computers per day'),
      trendBox,
    ),
    h(
      'section',
      { className: 'panel' },
      h('h2', {}, 'Offline computers over time'),
      offlineBox,
      offlineNow,
    ),
    h('section', { className: 'panel' }, h('h2', {}, 'Open clone questions'), cloneList),
  );
  const chart = new RateChart(chartBox);
  const trends = new TrendChart(trendBox);
  const offlineChart = new OfflineChart(offlineBox);

  const showLatest = (last: FleetSample | undefined) => {
    if (!last) return;
    rate.value.textContent = formatRate(last.replicationsPerSecond);
    latency.value.textContent =
      last.p50Ms === null ? '–' : `${ms(last.p50Ms)} / ${ms(last.p95Ms)} / ${ms(last.p99Ms)}`;
    latency.detail.textContent = `last ${formatRate(last.windowSeconds)} s, estimated from the server's latency histogram`;
  };

  const stopStats = poll(async () => {
    try {
      const [stats, series] = await Promise.all([
        state.api.get<StatsResponse>('/api/stats'),
        state.api.get<SeriesAnswer>('/api/stats/series', {
          since: chart.lastAt || undefined,
        }),
      ]);
      chart.add(series.samples);
      showLatest(series.samples.at(-1));
      computers.value.textContent = formatInteger(stats.computers);
      computers.detail.textContent =
        stats.simulatedComputers > 0
          ? `${formatInteger(stats.simulatedComputers)} simulated not counted`
          : '';
      if (chart.count === 0) rate.value.textContent = formatRate(stats.replicationsPerSecond);
      rate.detail.textContent = `60 s average ${formatRate(stats.replicationsPerSecond)} · ${formatInteger(stats.totals.replications)} answered · ${formatInteger(stats.totals.shed)} shed`;
      queue.value.textContent = formatInteger(stats.queueDepth);
      queue.detail.textContent = 'replications waiting for the next group commit';
      interval.value.textContent = formatSeconds(stats.interval.currentSeconds);
      interval.detail.textContent =
        stats.interval.stretch > 1
          ? `stretched ×${formatRate(stats.interval.stretch)} from ${formatSeconds(stats.interval.baseSeconds)} (server near capacity)`
          : `base ${formatSeconds(stats.interval.baseSeconds)}, not stretched`;
      clones.value.textContent = formatInteger(stats.cloneQuestionsOpen);
      status.textContent = '';
    } catch (error) {
      status.textContent = `Could not refresh: ${error instanceof Error ? error.message : String(error)}. Retrying.`;
      throw error;
    }
  }, STATS_EVERY_MS);

  const stopTrends = poll(async () => {
    const answer = await state.api.get<Trends>('/api/trends', { days: 14 });
    trends.show(answer);
    offlineChart.show(answer);
    const last = answer.offline.at(-1);
    offlineNow.textContent = last
      ? `Offline (not seen within the interval): ${formatInteger(last.offline)} of ${formatInteger(last.total)} now · ${answer.offline.length} samples since the server started (every 5 min)`
      : 'Offline computers: no sample yet.';
  }, TRENDS_EVERY_MS);

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
        ? open.map((q) => {
            const item = h(
              'li',
              { attrs: { 'data-clone-id': q.id } },
              h(
                'a',
                { attrs: { href: `#/computers/${encodeURIComponent(q.agentId)}` } },
                q.hostname,
              ),
              ` · asked ${formatAgo(q.createdAt)} `,
            );
            item.append(
              cloneButtons(state.api, q.id, (resolution) =>
                replace(item, `${q.hostname}: answered ${resolution}`),
              ),
            );
            return item;
          })
        : [h('li', { className: 'muted' }, 'None waiting.')]),
    );
  }, FLEET_EVERY_MS);

  return () => {
    stopStats();
    stopFleet();
    stopTrends();
    chart.destroy();
    trends.destroy();
    offlineChart.destroy();
  };
};
