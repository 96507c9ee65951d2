import { ApiFailure } from '../api.js';
import { type Child, h, replace } from '../dom.js';
import { formatAgo, formatTime } from '../format.js';
import type { View } from '../state.js';
import type { ComputerDetail } from '../types.js';

/** Which columns of the computers row an admin cares about, in reading order. */
const FIELDS: readonly (readonly [string, string])[] = [
  ['hostname', 'Hostname'],
  ['agent_id', 'Agent id'],
  ['os_name', 'Operating system'],
  ['os_version', 'OS version'],
  ['protection', 'Protection'],
  ['modules_version', 'Modules'],
  ['agent_version', 'Agent version'],
  ['group_name', 'Group'],
  ['policy_version', 'Policy version applied'],
  ['last_seen', 'Last seen'],
  ['replications', 'Replications'],
  ['logs_through', 'Logs stored through seq'],
  ['first_seen', 'First seen'],
  ['fingerprint', 'Fingerprint'],
];

/** JSON from agents shown as text, never as markup. */
const json = (value: unknown): HTMLElement =>
  h('pre', { className: 'json' }, JSON.stringify(value, null, 2) ?? '');

/** One computer: identity and status, inventory, and its 50 most recent logs. */
export const showComputerDetail: View = (root, state, id) => {
  const heading = h('h1', {}, 'Computer');
  const content = h('div');
  replace(root, h('a', { attrs: { href: '#/computers' } }, '← Computers'), heading, content);
  if (!id) return () => {};

  let active = true;
  state.api
    .get<ComputerDetail>(`/api/computers/${encodeURIComponent(id)}`)
    .then((detail) => {
      if (!active) return;
      heading.textContent = detail.computer.hostname;
      const rows: Child[] = FIELDS.map(([key, label]) => {
        const value = detail.computer[key];
        const text =
          key === 'last_seen' || key === 'first_seen'
            ? `${formatTime(value as string)} (${formatAgo(value as string)})`
            : value === null || value === undefined
              ? ''
              : String(value);
        return h('div', {}, h('dt', {}, label), h('dd', {}, text));
      });
      const inventory = detail.inventory;
      replace(
        content,
        h('dl', { className: 'facts', attrs: { 'data-testid': 'computer-facts' } }, ...rows),
        h(
          'section',
          { className: 'panel' },
          h('h2', {}, 'Inventory'),
          inventory
            ? h(
                'div',
                {},
                h('p', { className: 'muted' }, `updated ${formatAgo(inventory.updated_at)}`),
                h('h3', {}, 'Hardware'),
                json(inventory.hardware),
                h('h3', {}, 'Software'),
                json(inventory.software),
              )
            : h('p', { className: 'muted' }, 'No inventory reported yet.'),
        ),
        h(
          'section',
          { className: 'panel' },
          h('h2', {}, 'Recent logs'),
          detail.latestLogs.length
            ? h(
                'table',
                { attrs: { 'data-testid': 'computer-logs' } },
                h(
                  'thead',
                  {},
                  h('tr', {}, ...['Seq', 'Type', 'Time', 'Data'].map((t) => h('th', {}, t))),
                ),
                h(
                  'tbody',
                  {},
                  ...detail.latestLogs.map((log) =>
                    h(
                      'tr',
                      {},
                      h('td', {}, String(log.seq)),
                      h('td', {}, log.type),
                      h('td', {}, formatTime(log.time)),
                      h('td', {}, h('code', {}, JSON.stringify(log.data))),
                    ),
                  ),
                ),
              )
            : h('p', { className: 'muted' }, 'No logs stored.'),
        ),
      );
    })
    .catch((error: unknown) => {
      if (!active) return;
      replace(
        content,
        h(
          'p',
          { className: 'error', attrs: { role: 'alert' } },
          error instanceof ApiFailure ? error.message : String(error),
        ),
      );
    });
  return () => {
    active = false;
  };
};
