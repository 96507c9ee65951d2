import { ApiFailure } from '../api.js';
import { h, replace } from '../dom.js';
import { formatAgo, formatInteger, formatTime } from '../format.js';
import type { View } from '../state.js';
import type { AuditPage, AuditRow } from '../types.js';

/** Admin actions on the console API, newest first: who changed what, from where, and the answer. */
export const showAudit: View = (root, state) => {
  const body = h('tbody');
  const summary = h('span', { attrs: { 'data-testid': 'audit-summary' } }, '…');
  const previous = h('button', { attrs: { type: 'button' } }, '← Newer');
  const next = h('button', { attrs: { type: 'button' } }, 'Older →');
  const message = h('p', { className: 'error', attrs: { role: 'alert' } });
  let page = 1;
  let lastPage = 1;
  let active = true;

  const row = (item: AuditRow) =>
    h(
      'tr',
      { attrs: { 'data-audit-route': item.route } },
      h('td', { className: 'nowrap', attrs: { title: formatTime(item.at) } }, formatAgo(item.at)),
      h('td', {}, `${item.method} ${item.path}`),
      h(
        'td',
        {},
        h(
          'span',
          { className: `badge ${item.status < 400 ? 'ok' : 'critical'}` },
          String(item.status),
        ),
      ),
      h('td', {}, item.remote),
      h('td', { className: 'log-data' }, h('code', {}, JSON.stringify(item.summary))),
    );

  async function load(): Promise<void> {
    try {
      const answer = await state.api.get<AuditPage>('/api/audit', { page, pageSize: 50 });
      if (!active) return;
      lastPage = Math.max(1, Math.ceil(answer.total / answer.pageSize));
      replace(
        body,
        ...(answer.items.length
          ? answer.items.map(row)
          : [
              h(
                'tr',
                {},
                h('td', { attrs: { colspan: 5 }, className: 'muted' }, 'No actions yet.'),
              ),
            ]),
      );
      summary.textContent = `Page ${formatInteger(answer.page)} of ${formatInteger(lastPage)} · ${formatInteger(answer.total)} actions`;
      previous.disabled = answer.page <= 1;
      next.disabled = answer.page >= lastPage;
    } catch (error) {
      message.textContent = error instanceof ApiFailure ? error.message : String(error);
    }
  }
  previous.addEventListener('click', () => {
    page = Math.max(1, page - 1);
    void load();
  });
  next.addEventListener('click', () => {
    page = Math.min(lastPage, page + 1);
    void load();
  });
  replace(
    root,
    h('h1', {}, 'Audit trail'),
    h(
      'p',
      { className: 'muted' },
      'Every change made on the console API: policy, tasks, clone answers, revocations, enrollment tokens, purges.',
    ),
    message,
    h(
      'div',
      { className: 'table-scroll' },
      h(
        'table',
        { attrs: { 'data-testid': 'audit-table' } },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['When', 'Action', 'Answer', 'From', 'What was asked'].map((t) =>
              h('th', { attrs: { scope: 'col' } }, t),
            ),
          ),
        ),
        body,
      ),
    ),
    h('div', { className: 'pager' }, previous, summary, next),
  );
  void load();
  return () => {
    active = false;
  };
};
