import { ApiFailure } from '../api.js';
import { h, replace, select } from '../dom.js';
import { formatAgo, formatInteger } from '../format.js';
import { savedFilters } from '../saved-filters.js';
import type { ComputerFilter, ComputerSort, View } from '../state.js';
import type { ComputerPage, ComputerRow } from '../types.js';

const STATUSES = [
  ['', 'any status'],
  ['ok', 'ok'],
  ['warning', 'warning'],
  ['critical', 'critical'],
] as const;
const SYSTEMS = [
  ['', 'any OS'],
  ['windows', 'Windows'],
  ['macos', 'macOS'],
  ['linux', 'Linux'],
] as const;
const CLONES = [
  ['', 'clone or not'],
  ['true', 'clone question open'],
  ['false', 'no clone question'],
] as const;
/** Agents of a rehearsal or an after-rollout run: left out unless asked for. */
const SIMULATED = [
  ['', 'real computers'],
  ['include', 'real and simulated'],
  ['only', 'simulated only'],
] as const;
const PAGE_SIZES = [
  ['25', '25 a page'],
  ['50', '50 a page'],
  ['100', '100 a page'],
  ['200', '200 a page'],
] as const;

/**
 * One page of computers at a time, filtered and paged by the server (the fleet may hold
 * 100,000 rows; the page never asks for more than one page). Ticked rows are remembered
 * across pages as the target of a new task.
 */
export const showComputers: View = (root, state) => {
  const filter = state.computerFilter;
  const hostname = h('input', {
    attrs: {
      type: 'search',
      placeholder: 'hostname starts with…',
      value: filter.hostname,
      'aria-label': 'hostname',
      maxlength: 253,
    },
  });
  const status = select(STATUSES, filter.status, { 'aria-label': 'status' });
  const os = select(SYSTEMS, filter.os, { 'aria-label': 'OS' });
  const clone = select(CLONES, filter.clone, { 'aria-label': 'clone flag' });
  const simulated = select(SIMULATED, filter.simulated, { 'aria-label': 'simulated agents' });
  const pageSize = select(PAGE_SIZES, String(filter.pageSize), { 'aria-label': 'page size' });
  const body = h('tbody');
  const summary = h('span', { attrs: { 'data-testid': 'page-summary' } });
  const previous = h('button', { attrs: { type: 'button' } }, '← Previous');
  const next = h('button', { attrs: { type: 'button' } }, 'Next →');
  const selectedCount = h('span', { attrs: { 'data-testid': 'selected-count' } });
  const taskLink = h('a', { className: 'button', attrs: { href: '#/tasks' } }, 'Create a task…');
  const clearSelection = h('button', { attrs: { type: 'button' } }, 'Clear selection');
  const message = h('p', { className: 'error', attrs: { role: 'alert' } });
  let lastPage = 1;
  let generation = 0;

  const showSelection = () => {
    selectedCount.textContent = `${formatInteger(state.selected.size)} selected`;
    clearSelection.disabled = state.selected.size === 0;
  };

  const row = (computer: ComputerRow) => {
    const tick = h('input', {
      attrs: { type: 'checkbox', 'aria-label': `select ${computer.hostname}` },
    });
    tick.checked = state.selected.has(computer.agentId);
    tick.addEventListener('change', () => {
      if (tick.checked) state.selected.add(computer.agentId);
      else state.selected.delete(computer.agentId);
      showSelection();
    });
    return h(
      'tr',
      {},
      h('td', {}, tick),
      h(
        'td',
        { className: 'hostname' },
        h(
          'a',
          { attrs: { href: `#/computers/${encodeURIComponent(computer.agentId)}` } },
          computer.hostname,
        ),
      ),
      h('td', {}, computer.osName),
      h('td', { attrs: { 'data-col': 'agentVersion' } }, computer.agentVersion),
      h('td', { className: 'ip', attrs: { 'data-col': 'ip' } }, computer.ip ?? ''),
      h('td', {}, h('span', { className: `badge ${computer.protection}` }, computer.protection)),
      h('td', {}, computer.group),
      h('td', { attrs: { title: computer.lastSeen ?? '' } }, formatAgo(computer.lastSeen)),
      h('td', {}, computer.cloneQuestion ? 'open' : ''),
    );
  };

  async function load(): Promise<void> {
    const mine = ++generation;
    message.textContent = '';
    try {
      const page = await state.api.get<ComputerPage>('/api/computers', {
        page: filter.page,
        pageSize: filter.pageSize,
        hostname: filter.hostname || undefined,
        status: filter.status || undefined,
        os: filter.os || undefined,
        clone: filter.clone || undefined,
        simulated: filter.simulated || undefined,
        sort: filter.sort === 'hostname' ? undefined : filter.sort,
        order: filter.order === 'asc' ? undefined : filter.order,
      });
      if (mine !== generation) return; // a newer request was started meanwhile
      lastPage = Math.max(1, Math.ceil(page.total / page.pageSize));
      replace(
        body,
        ...(page.items.length
          ? page.items.map(row)
          : [
              h(
                'tr',
                {},
                h('td', { attrs: { colspan: 9 }, className: 'muted' }, 'No computers match.'),
              ),
            ]),
      );
      const first = page.total === 0 ? 0 : (page.page - 1) * page.pageSize + 1;
      const last = (page.page - 1) * page.pageSize + page.items.length;
      summary.textContent = `Page ${formatInteger(page.page)} of ${formatInteger(lastPage)} · ${formatInteger(first)}–${formatInteger(last)} of ${formatInteger(page.total)}`;
      previous.disabled = page.page <= 1;
      next.disabled = page.page >= lastPage;
    } catch (error) {
      if (mine !== generation) return;
      message.textContent =
        error instanceof ApiFailure ? error.message : `Could not load computers: ${String(error)}`;
    }
  }

  const refilter = (change: Partial<ComputerFilter>) => {
    Object.assign(filter, change, { page: change.page ?? 1 });
    showSort();
    void load();
  };

  // Sorting is done by the server, so it holds across pages of 100,000 rows.
  const COLUMNS: readonly (readonly [string, ComputerSort | null])[] = [
    ['', null],
    ['Hostname', 'hostname'],
    ['OS', 'os'],
    ['Agent version', 'agentVersion'],
    ['IP (reported)', 'ip'],
    ['Protection', 'protection'],
    ['Group', 'group'],
    ['Last seen', 'lastSeen'],
    ['Clone', null],
  ];
  const headers = COLUMNS.map(([label, key]) => {
    if (!key) return h('th', { attrs: { scope: 'col' } }, label);
    const button = h(
      'button',
      { className: 'sort', attrs: { type: 'button', 'data-sort': key } },
      label,
    );
    button.addEventListener('click', () =>
      refilter({
        sort: key,
        order: filter.sort === key && filter.order === 'asc' ? 'desc' : 'asc',
      }),
    );
    return h('th', { attrs: { scope: 'col', 'data-sort': key } }, button);
  });
  function showSort(): void {
    for (const th of headers) {
      const key = th.dataset.sort;
      if (!key) continue;
      const on = key === filter.sort;
      th.setAttribute(
        'aria-sort',
        on ? (filter.order === 'asc' ? 'ascending' : 'descending') : 'none',
      );
      const button = th.querySelector('button');
      if (button) button.dataset.arrow = on ? (filter.order === 'asc' ? '▲' : '▼') : '';
    }
  }
  const controls = () => ({ hostname, status, os, clone, simulated, pageSize });
  const saved = savedFilters(
    () => ({ ...filter }),
    (chosen) => {
      const c = controls();
      c.hostname.value = chosen.hostname;
      c.status.value = chosen.status;
      c.os.value = chosen.os;
      c.clone.value = chosen.clone;
      c.simulated.value = chosen.simulated;
      c.pageSize.value = String(chosen.pageSize);
      refilter({ ...chosen, page: 1 });
    },
  );
  let typing: ReturnType<typeof setTimeout> | undefined;
  hostname.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => refilter({ hostname: hostname.value.trim() }), 250);
  });
  status.addEventListener('change', () =>
    refilter({ status: status.value as ComputerFilter['status'] }),
  );
  os.addEventListener('change', () => refilter({ os: os.value as ComputerFilter['os'] }));
  clone.addEventListener('change', () =>
    refilter({ clone: clone.value as ComputerFilter['clone'] }),
  );
  simulated.addEventListener('change', () =>
    refilter({ simulated: simulated.value as ComputerFilter['simulated'] }),
  );
  pageSize.addEventListener('change', () => refilter({ pageSize: Number(pageSize.value) }));
  previous.addEventListener('click', () => refilter({ page: Math.max(1, filter.page - 1) }));
  next.addEventListener('click', () => refilter({ page: Math.min(lastPage, filter.page + 1) }));
  clearSelection.addEventListener('click', () => {
    state.selected.clear();
    for (const tick of body.querySelectorAll<HTMLInputElement>('input[type=checkbox]')) {
      tick.checked = false;
    }
    showSelection();
  });

  replace(
    root,
    h('h1', {}, 'Computers'),
    h('div', { className: 'toolbar' }, hostname, status, os, clone, simulated, pageSize),
    saved,
    message,
    h(
      'div',
      { className: 'table-scroll' },
      h(
        'table',
        { className: 'computers', attrs: { 'data-testid': 'computers-table' } },
        h('thead', {}, h('tr', {}, ...headers)),
        body,
      ),
    ),
    h('div', { className: 'pager' }, previous, summary, next),
    h('div', { className: 'toolbar' }, selectedCount, clearSelection, taskLink),
  );
  showSelection();
  showSort();
  void load();
  return () => clearTimeout(typing);
};
