import { ApiFailure } from '../api.js';
import { h, replace } from '../dom.js';
import { formatAgo, formatInteger, formatRate, formatSeconds } from '../format.js';
import { poll } from '../poll.js';
import { RehearsalChart } from '../rehearsal-chart.js';
import type { View } from '../state.js';
import type { RehearsalUpdate } from '../types.js';

/** What GET /api/rehearsal answers: the rehearsal's last push, plus when it came. */
type RehearsalState = RehearsalUpdate & { updatedAt: string };

const POLL_MS = 2_000;

const PHASES: Record<RehearsalState['phase'], string> = {
  setup: "Setting up: server, enrollment, database of the deployment's size",
  'warm-up': 'Warm-up: every agent opens its session (not measured)',
  capacity: 'Capacity search: raising the rate until the SLOs break, then narrowing the bracket',
  fleet: "Fleet run: the plan's clients at their interval (time-compressed)",
  storm: 'Reconnect storm: every client comes back within one jitter window',
  drain: 'Drain: every log still pending is sent and checked',
  done: 'Finished',
};

const VERDICT_BADGE: Record<string, string> = {
  pass: 'ok',
  marginal: 'warning',
  fail: 'critical',
  inconclusive: 'warning',
};

/**
 * A running (or finished) `smc rehearse` against this server: its phase, the live curve,
 * the capacity steps, the verdict and its HTML reports.
 */
export const showRehearsal: View = (root, state) => {
  const status = h('p', { className: 'status', attrs: { role: 'status' } });
  const phase = h('p', { attrs: { 'data-testid': 'rehearsal-phase' } }, '…');
  const latest = h('p', { className: 'muted', attrs: { 'data-testid': 'rehearsal-latest' } });
  const chartBox = h('div', { className: 'chart', attrs: { 'data-testid': 'rehearsal-chart' } });
  const steps = h('tbody', { attrs: { 'data-testid': 'rehearsal-steps' } });
  const verdict = h('div', { attrs: { 'data-testid': 'rehearsal-verdict' } });
  const reports = h('p', { attrs: { 'data-testid': 'rehearsal-reports' } });
  const body = h(
    'div',
    {},
    h('section', { className: 'panel' }, h('h2', {}, 'Phase'), phase, latest),
    h(
      'section',
      { className: 'panel' },
      h('h2', {}, 'Rate scheduled vs achieved, and p99 latency'),
      chartBox,
    ),
    h(
      'section',
      { className: 'panel' },
      h('h2', {}, 'Capacity steps'),
      h(
        'div',
        { className: 'table-scroll' },
        h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['Rate / s', 'Achieved / s', 'p99', 'Errors', 'Held the SLOs'].map((t) =>
                h('th', {}, t),
              ),
            ),
          ),
          steps,
        ),
      ),
    ),
    h('section', { className: 'panel' }, h('h2', {}, 'Verdict'), verdict),
    h('section', { className: 'panel' }, h('h2', {}, 'Reports'), reports),
  );
  const empty = h(
    'p',
    { className: 'muted', attrs: { 'data-testid': 'rehearsal-none' } },
    'No rehearsal has reported to this server. `smc rehearse` starts its own server and prints the address of this page.',
  );
  replace(root, h('h1', {}, 'Rehearsal'), status, empty, body);
  body.hidden = true;
  const chart = new RehearsalChart(chartBox);
  let shownReports = '';
  let urls: string[] = [];

  const download = async (name: string) => {
    try {
      const report = await state.api.get<{ name: string; html: string }>(
        `/api/rehearsal/reports/${encodeURIComponent(name)}`,
      );
      // Saved, not opened: the report's own inline scripts could not run under this page's
      // Content-Security-Policy, and a saved file opens with its own.
      const url = URL.createObjectURL(new Blob([report.html], { type: 'text/html' }));
      urls.push(url);
      h('a', { attrs: { href: url, download: report.name } }).click();
    } catch (error) {
      status.textContent = `Could not fetch ${name}: ${message(error)}`;
    }
  };

  const stop = poll(async () => {
    let rehearsal: RehearsalState;
    try {
      rehearsal = await state.api.get<RehearsalState>('/api/rehearsal');
    } catch (error) {
      if (error instanceof ApiFailure && error.status === 404) {
        empty.hidden = false;
        body.hidden = true;
        status.textContent = '';
        return;
      }
      status.textContent = `Could not refresh: ${message(error)}. Retrying.`;
      throw error;
    }
    status.textContent = '';
    empty.hidden = true;
    body.hidden = false;
    phase.textContent = `${PHASES[rehearsal.phase]} · ${formatInteger(rehearsal.clients)} clients, ${formatRate(rehearsal.requiredRatePerSecond)}/s required`;
    const last = rehearsal.series.at(-1);
    latest.textContent = last
      ? `second ${formatInteger(last.second)}: ${formatRate(last.scheduled)}/s scheduled, ${formatRate(last.completed)}/s achieved, ${formatInteger(last.failed)} failed, p50 ${formatRate(last.p50Ms)} ms, p99 ${formatRate(last.p99Ms)} ms · updated ${formatAgo(rehearsal.updatedAt)}`
      : `no samples yet · updated ${formatAgo(rehearsal.updatedAt)}`;
    chart.show(rehearsal.series);
    replace(
      steps,
      ...(rehearsal.capacitySteps.length
        ? rehearsal.capacitySteps.map((s) =>
            h(
              'tr',
              {},
              h('td', {}, formatRate(s.ratePerSecond)),
              h('td', {}, formatRate(s.achievedPerSecond)),
              h('td', {}, `${formatRate(s.p99Ms)} ms`),
              h('td', {}, `${formatRate(s.errorRatio * 100)} %`),
              h(
                'td',
                {},
                h(
                  'span',
                  { className: `badge ${s.held ? 'ok' : 'critical'}` },
                  s.held ? 'yes' : 'no',
                ),
              ),
            ),
          )
        : [
            h(
              'tr',
              {},
              h('td', { className: 'muted', attrs: { colspan: 5 } }, 'After the capacity search.'),
            ),
          ]),
    );
    showVerdict(verdict, rehearsal.verdict);
    const reportKey = rehearsal.reports.join(',');
    if (reportKey !== shownReports) {
      shownReports = reportKey;
      replace(
        reports,
        ...(rehearsal.reports.length
          ? rehearsal.reports.flatMap((name) => [
              h(
                'button',
                {
                  attrs: { type: 'button', 'data-report': name },
                  on: { click: () => void download(name) },
                },
                `Save ${name}`,
              ),
              ' ',
            ])
          : [h('span', { className: 'muted' }, 'Written as each phase ends.')]),
      );
    }
  }, POLL_MS);

  return () => {
    stop();
    chart.destroy();
    for (const url of urls) URL.revokeObjectURL(url);
    urls = [];
  };
};

function showVerdict(root: HTMLElement, verdict: RehearsalState['verdict']): void {
  if (!verdict) {
    replace(root, h('p', { className: 'muted' }, 'When the fleet run ends.'));
    return;
  }
  const figure = (label: string, value: string) => [h('dt', {}, label), h('dd', {}, value)];
  replace(
    root,
    h(
      'p',
      {},
      h(
        'span',
        {
          className: `badge ${VERDICT_BADGE[verdict.verdict] ?? ''}`,
          attrs: { 'data-testid': 'rehearsal-verdict-word' },
        },
        verdict.verdict.toUpperCase(),
      ),
    ),
    h(
      'dl',
      { className: 'facts' },
      ...figure(
        'Measured capacity',
        verdict.capacityBrokenPerSecond
          ? `${formatRate(verdict.measuredCapacityPerSecond)}–${formatRate(verdict.capacityBrokenPerSecond)}/s (held–broke)`
          : `${formatRate(verdict.measuredCapacityPerSecond)}/s`,
      ),
      ...figure(
        'Clients it carries',
        verdict.clientsCarried === undefined || verdict.clientsCarried === null
          ? 'not measured'
          : formatInteger(verdict.clientsCarried),
      ),
      ...figure(
        'Sessions held',
        verdict.sessionsHeld === undefined ? '–' : formatInteger(verdict.sessionsHeld),
      ),
      ...figure('Required rate', `${formatRate(verdict.requiredRatePerSecond)}/s`),
      ...figure('Headroom', verdict.headroom === null ? '–' : `×${formatRate(verdict.headroom)}`),
      ...figure(
        'Recommended interval',
        verdict.recommendedIntervalSeconds === null
          ? '–'
          : formatSeconds(verdict.recommendedIntervalSeconds),
      ),
      ...figure(
        'Logs lost in the fleet run',
        verdict.fleetLostLogs === null ? 'not checked' : formatInteger(verdict.fleetLostLogs),
      ),
    ),
    h('ul', {}, ...verdict.reasons.map((reason) => h('li', {}, reason))),
  );
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
