import { ApiFailure } from '../api.js';
import { h, replace, select } from '../dom.js';
import { formatAgo, formatInteger } from '../format.js';
import type { View } from '../state.js';

/** One machine a Rogue Detection Sensor found (GET /api/rogue-machines). */
interface RogueMachineRow {
  mac: string;
  ip: string | null;
  hostname: string | null;
  vendor: string | null;
  source: string;
  firstSeen: string;
  lastSeen: string;
  judgement: 'rogue' | 'managed';
  matchedBy: 'mac' | 'ip' | 'hostname' | null;
  agentId: string | null;
  disposition: 'open' | 'ignored' | 'moved';
  group: string | null;
  simulated: boolean;
}
interface RogueMachinePage {
  total: number;
  page: number;
  pageSize: number;
  items: RogueMachineRow[];
}

const JUDGEMENTS = [
  ['rogue', 'rogue (no managed computer)'],
  ['managed', 'managed'],
  ['all', 'rogue and managed'],
] as const;
const DISPOSITIONS = [
  ['open', 'open'],
  ['ignored', 'ignored'],
  ['moved', 'moved to a group'],
  ['all', 'any decision'],
] as const;
const SIMULATED = [
  ['', 'real sensors'],
  ['include', 'real and simulated'],
  ['only', 'simulated only'],
] as const;
const PAGE_SIZE = 50;

/**
 * The Rogue Detection report: machines the sensors found, as the server judges them now, one
 * page at a time from the server, with the admin's two actions on each (ignore, move to group).
 */
export const showRogueMachines: View = (root, state) => {
  const filter = { judgement: 'rogue', disposition: 'open', simulated: '', page: 1 };
  const judgement = select(JUDGEMENTS, filter.judgement, { 'aria-label': 'judgement' });
  const disposition = select(DISPOSITIONS, filter.disposition, { 'aria-label': 'decision' });
  const simulated = select(SIMULATED, filter.simulated, { 'aria-label': 'simulated sensors' });
  const body = h('tbody');
  const summary = h('span', { attrs: { 'data-testid': 'rogue-summary' } });
  const previous = h('button', { attrs: { type: 'button' } }, '← Previous');
  const next = h('button', { attrs: { type: 'button' } }, 'Next →');
  const message = h('p', { className: 'error', attrs: { role: 'alert' } });
  let lastPage = 1;
  let generation = 0;

  const act = async (machine: RogueMachineRow, action: unknown) => {
    message.textContent = '';
    try {
      await state.api.send(
        'POST',
        `/api/rogue-machines/${encodeURIComponent(machine.mac)}${machine.simulated ? '?simulated=true' : ''}`,
        action,
      );
      await load();
    } catch (error) {
      message.textContent = error instanceof ApiFailure ? error.message : String(error);
    }
  };

  const row = (machine: RogueMachineRow) => {
    const group = h('input', {
      attrs: {
        type: 'text',
        placeholder: 'group',
        maxlength: 128,
        'aria-label': `group for ${machine.mac}`,
      },
    });
    const move = h('button', { attrs: { type: 'button' } }, 'Move to group');
    move.addEventListener('click', () => {
      if (group.value.trim())
        void act(machine, { action: 'move-to-group', group: group.value.trim() });
    });
    const ignore = h('button', { attrs: { type: 'button' } }, 'Ignore');
    ignore.addEventListener('click', () => void act(machine, { action: 'ignore' }));
    const reopen = h('button', { attrs: { type: 'button' } }, 'Reopen');
    reopen.addEventListener('click', () => void act(machine, { action: 'reopen' }));
    return h(
      'tr',
      { attrs: { 'data-mac': machine.mac } },
      h('td', { className: 'mono' }, machine.mac),
      h('td', {}, machine.vendor ?? ''),
      h('td', {}, machine.ip ?? ''),
      h('td', {}, machine.hostname ?? ''),
      h('td', {}, machine.source),
      h('td', { attrs: { title: machine.firstSeen } }, formatAgo(machine.firstSeen)),
      h(
        'td',
        {},
        machine.judgement === 'rogue'
          ? h('span', { className: 'badge critical' }, 'rogue')
          : h(
              'a',
              { attrs: { href: `#/computers/${encodeURIComponent(machine.agentId ?? '')}` } },
              `managed (${machine.matchedBy})`,
            ),
      ),
      h(
        'td',
        {},
        machine.disposition === 'moved' ? `moved to ${machine.group}` : machine.disposition,
      ),
      h('td', {}, ...(machine.disposition === 'open' ? [ignore, group, move] : [reopen])),
    );
  };

  async function load(): Promise<void> {
    const mine = ++generation;
    try {
      const page = await state.api.get<RogueMachinePage>('/api/rogue-machines', {
        page: filter.page,
        pageSize: PAGE_SIZE,
        judgement: filter.judgement,
        disposition: filter.disposition,
        simulated: filter.simulated || undefined,
      });
      if (mine !== generation) return;
      lastPage = Math.max(1, Math.ceil(page.total / page.pageSize));
      replace(
        body,
        ...(page.items.length
          ? page.items.map(row)
          : [
              h(
                'tr',
                {},
                h('td', { attrs: { colspan: 9 }, className: 'muted' }, 'No machines match.'),
              ),
            ]),
      );
      summary.textContent = `Page ${formatInteger(page.page)} of ${formatInteger(lastPage)} · ${formatInteger(page.total)} machines`;
      previous.disabled = page.page <= 1;
      next.disabled = page.page >= lastPage;
    } catch (error) {
      if (mine !== generation) return;
      message.textContent =
        error instanceof ApiFailure ? error.message : `Could not load machines: ${String(error)}`;
    }
  }

  const refilter = (change: Partial<typeof filter>) => {
    Object.assign(filter, change, { page: change.page ?? 1 });
    void load();
  };
  judgement.addEventListener('change', () => refilter({ judgement: judgement.value }));
  disposition.addEventListener('change', () => refilter({ disposition: disposition.value }));
  simulated.addEventListener('change', () => refilter({ simulated: simulated.value }));
  previous.addEventListener('click', () => refilter({ page: Math.max(1, filter.page - 1) }));
  next.addEventListener('click', () => refilter({ page: Math.min(lastPage, filter.page + 1) }));

  replace(
    root,
    h('h1', {}, 'Rogue machines'),
    h(
      'p',
      { className: 'muted' },
      'Machines Rogue Detection Sensors (smc rd-sensor) found on their networks, judged against the MACs, IPs and host names managed computers report.',
    ),
    h('div', { className: 'toolbar' }, judgement, disposition, simulated),
    message,
    h(
      'table',
      { attrs: { 'data-testid': 'rogue-table' } },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...[
            'MAC',
            'Vendor',
            'IP',
            'Host name',
            'Seen by',
            'First seen',
            'Judgement',
            'Decision',
            '',
          ].map((t) => h('th', { attrs: { scope: 'col' } }, t)),
        ),
      ),
      body,
    ),
    h('div', { className: 'pager' }, previous, summary, next),
  );
  void load();
  return () => {};
};
