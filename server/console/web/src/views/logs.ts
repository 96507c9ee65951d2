import { ApiFailure } from '../api.js';
import { h, replace, select } from '../dom.js';
import { formatInteger } from '../format.js';
import { logTable } from '../log-table.js';
import type { View } from '../state.js';
import type { LogPage } from '../types.js';

const TYPES = [
  ['', 'any type'],
  ['detection', 'detection'],
  ['firewall', 'firewall'],
  ['hips', 'HIPS'],
  ['scan', 'scan'],
  ['audit', 'audit'],
  ['event', 'event'],
] as const;
const WINDOWS = [
  ['1', 'last hour'],
  ['24', 'last 24 hours'],
  ['168', 'last 7 days'],
  ['720', 'last 30 days'],
] as const;
const ORDERS = [
  ['newest', 'newest first'],
  ['oldest', 'oldest first'],
] as const;
const SIMULATED = [
  ['', 'real computers'],
  ['include', 'real and simulated'],
  ['only', 'simulated only'],
] as const;

/**
 * Search across every computer's logs (or one computer's: #/logs/<agent id>): text the
 * log's data contains, its type, how far back. The server pages and bounds the scan; the
 * admin's last search is kept while the page is open.
 */
export const showLogs: View = (root, state, agentId) => {
  const filter = state.logFilter;
  const query = h('input', {
    attrs: {
      type: 'search',
      placeholder: 'text in the log, e.g. Trojan',
      value: filter.q,
      'aria-label': 'log text',
      maxlength: 200,
    },
  });
  const type = select(TYPES, filter.type, { 'aria-label': 'log type' });
  const hours = select(WINDOWS, filter.hours, { 'aria-label': 'time window' });
  const order = select(ORDERS, filter.order, { 'aria-label': 'order' });
  const simulated = select(SIMULATED, filter.simulated, { 'aria-label': 'simulated agents' });
  const results = h('div', { attrs: { 'data-testid': 'log-results' } });
  const summary = h('span', { attrs: { 'data-testid': 'log-summary' } }, '…');
  const previous = h('button', { attrs: { type: 'button' } }, '← Newer');
  const next = h('button', { attrs: { type: 'button' } }, 'Older →');
  const message = h('p', { className: 'error', attrs: { role: 'alert' } });
  let page = 1;
  let generation = 0;

  async function load(): Promise<void> {
    const mine = ++generation;
    message.textContent = '';
    try {
      const answer = await state.api.get<LogPage>('/api/logs', {
        q: filter.q || undefined,
        type: filter.type || undefined,
        hours: filter.hours,
        order: filter.order,
        simulated: filter.simulated || undefined,
        agentId: agentId || undefined,
        page,
        pageSize: 50,
      });
      if (mine !== generation) return;
      replace(
        results,
        answer.items.length
          ? logTable(answer.items, 'log-table')
          : h('p', { className: 'muted' }, 'No logs match.'),
      );
      const first = (answer.page - 1) * answer.pageSize + 1;
      summary.textContent = answer.items.length
        ? `Page ${formatInteger(answer.page)} · ${formatInteger(first)}–${formatInteger(first + answer.items.length - 1)}${answer.more ? ', more older' : ''}`
        : `Page ${formatInteger(answer.page)} · none`;
      previous.disabled = answer.page <= 1;
      next.disabled = !answer.more;
    } catch (error) {
      if (mine !== generation) return;
      message.textContent =
        error instanceof ApiFailure ? error.message : `Could not search: ${String(error)}`;
    }
  }
  const refilter = () => {
    page = 1;
    void load();
  };
  let typing: ReturnType<typeof setTimeout> | undefined;
  query.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      filter.q = query.value.trim();
      refilter();
    }, 300);
  });
  type.addEventListener('change', () => {
    filter.type = type.value;
    refilter();
  });
  hours.addEventListener('change', () => {
    filter.hours = hours.value;
    refilter();
  });
  order.addEventListener('change', () => {
    filter.order = order.value as 'newest' | 'oldest';
    refilter();
  });
  simulated.addEventListener('change', () => {
    filter.simulated = simulated.value as '' | 'include' | 'only';
    refilter();
  });
  previous.addEventListener('click', () => {
    page = Math.max(1, page - 1);
    void load();
  });
  next.addEventListener('click', () => {
    page += 1;
    void load();
  });

  replace(
    root,
    h('h1', {}, agentId ? 'Logs of one computer' : 'Logs'),
    agentId
      ? h(
          'p',
          {},
          h(
            'a',
            { attrs: { href: `#/computers/${encodeURIComponent(agentId)}` } },
            '← the computer',
          ),
          ' · ',
          h('a', { attrs: { href: '#/logs' } }, 'all computers'),
        )
      : null,
    h('div', { className: 'toolbar' }, query, type, hours, order, agentId ? null : simulated),
    message,
    results,
    h('div', { className: 'pager' }, previous, summary, next),
  );
  void load();
  return () => clearTimeout(typing);
};
