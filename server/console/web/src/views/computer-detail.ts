import { ApiFailure } from '../api.js';
import { cloneButtons } from '../clone-answers.js';
import { type Child, h, replace } from '../dom.js';
import { formatAgo, formatTime } from '../format.js';
import { logTable } from '../log-table.js';
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
  ['last_update', 'Modules updated'],
  ['agent_version', 'Agent version'],
  ['group_name', 'Group'],
  ['policy_version', 'Policy version applied'],
  ['last_seen', 'Last seen'],
  ['replications', 'Replications'],
  ['logs_through', 'Logs stored through seq'],
  ['first_seen', 'First seen'],
  ['fingerprint', 'Fingerprint'],
];
const TIMES = new Set(['last_seen', 'first_seen', 'last_update']);

/** A two-column table of an object's fields; nested values as compact text, never markup. */
function keyValueTable(value: unknown, testId: string): HTMLElement {
  const entries =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? Object.entries(value as Record<string, unknown>)
      : [];
  if (!entries.length) return h('p', { className: 'muted' }, 'Nothing reported.');
  return h(
    'table',
    { className: 'kv', attrs: { 'data-testid': testId } },
    h(
      'tbody',
      {},
      ...entries.map(([key, v]) =>
        h('tr', {}, h('th', { attrs: { scope: 'row' } }, key), h('td', {}, textOf(v))),
      ),
    ),
  );
}

export const textOf = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

function softwareTable(software: unknown): HTMLElement {
  const items = Array.isArray(software) ? (software as Record<string, unknown>[]) : [];
  if (!items.length) return h('p', { className: 'muted' }, 'No software reported.');
  return h(
    'table',
    { attrs: { 'data-testid': 'inventory-software' } },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Name', 'Version', 'Vendor'].map((t) => h('th', { attrs: { scope: 'col' } }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      ...items.map((item) =>
        h(
          'tr',
          {},
          h('td', {}, textOf(item.name)),
          h('td', {}, textOf(item.version)),
          h('td', {}, textOf(item.vendor)),
        ),
      ),
    ),
  );
}

/** One computer, as Fleet's host page: status and why, identity, inventory, recent logs. */
export const showComputerDetail: View = (root, state, id) => {
  const heading = h('h1', {}, 'Computer');
  const content = h('div');
  replace(root, h('a', { attrs: { href: '#/computers' } }, '← Computers'), heading, content);
  if (!id) return () => {};

  let active = true;
  const load = () =>
    state.api
      .get<ComputerDetail>(`/api/computers/${encodeURIComponent(id)}`)
      .then((detail) => {
        if (!active) return;
        show(detail);
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

  const show = (detail: ComputerDetail) => {
    heading.textContent = detail.computer.hostname;
    const rows: Child[] = FIELDS.map(([key, label]) => {
      const value = detail.computer[key];
      const text = TIMES.has(key)
        ? `${formatTime(value as string)} (${formatAgo(value as string)})`
        : textOf(value);
      return h('div', {}, h('dt', {}, label), h('dd', {}, text));
    });
    const protection = detail.computer.protection;
    const inventory = detail.inventory;
    const clone = detail.openClone;
    replace(
      content,
      h(
        'section',
        { className: `panel protection ${protection}`, attrs: { 'data-testid': 'protection' } },
        h('h2', {}, 'Protection'),
        h('p', {}, h('span', { className: `badge ${protection}` }, protection)),
        detail.protectionReasons.length
          ? h(
              'ul',
              { attrs: { 'data-testid': 'protection-reasons' } },
              ...detail.protectionReasons.map((reason) => h('li', {}, reason)),
            )
          : h('p', { className: 'muted' }, 'Protected: nothing to act on.'),
      ),
      clone
        ? h(
            'section',
            { className: 'panel', attrs: { 'data-testid': 'computer-clone' } },
            h('h2', {}, 'Clone question'),
            h(
              'p',
              {},
              `Another machine replicated as this computer with fingerprint ${clone.newFingerprint.slice(0, 16)}… (asked ${formatAgo(clone.createdAt)}). How should the server treat it?`,
            ),
            cloneButtons(state.api, clone.id, () => void load()),
          )
        : null,
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
              keyValueTable(inventory.hardware, 'inventory-hardware'),
              h('h3', {}, 'Software'),
              softwareTable(inventory.software),
            )
          : h('p', { className: 'muted' }, 'No inventory reported yet.'),
      ),
      h(
        'section',
        { className: 'panel' },
        h('h2', {}, 'Recent logs'),
        h(
          'p',
          {},
          h(
            'a',
            { attrs: { href: `#/logs/${encodeURIComponent(detail.computer.agent_id)}` } },
            'Search all logs of this computer →',
          ),
        ),
        detail.latestLogs.length
          ? logTable(
              detail.latestLogs.map((log) => ({ ...log, seq: String(log.seq) })),
              'computer-logs',
            )
          : h('p', { className: 'muted' }, 'No logs stored.'),
      ),
    );
  };
  void load();
  return () => {
    active = false;
  };
};
