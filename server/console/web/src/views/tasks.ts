import { ApiFailure } from '../api.js';
import { h, replace, select } from '../dom.js';
import { formatAgo, formatInteger } from '../format.js';
import { parseJsonObject } from '../json-input.js';
import { poll } from '../poll.js';
import type { View } from '../state.js';
import { TASK_TYPES, type TaskCounts } from '../types.js';

const REFRESH_MS = 2_000;

/** Create a task for the computers ticked on the Computers page (or all), and watch progress. */
export const showTasks: View = (root, state) => {
  const type = select(
    TASK_TYPES.map((t) => [t, t] as const),
    'on-demand-scan',
    { id: 'task-type' },
  );
  const params = h('textarea', { attrs: { id: 'task-params', rows: 3, spellcheck: 'false' } });
  params.value = '{}';
  const selectedCount = state.selected.size;
  const targetAll = h('input', {
    attrs: { type: 'radio', name: 'target', value: 'all', id: 'target-all' },
  });
  const targetSelected = h('input', {
    attrs: { type: 'radio', name: 'target', value: 'selected', id: 'target-selected' },
  });
  targetSelected.disabled = selectedCount === 0;
  (selectedCount > 0 ? targetSelected : targetAll).checked = true;
  const message = h('p', { attrs: { role: 'status', 'data-testid': 'task-message' } });
  const submit = h('button', { attrs: { type: 'submit' } }, 'Create task');
  const form = h(
    'form',
    { className: 'panel form' },
    h('h2', {}, 'New task'),
    h('label', { attrs: { for: 'task-type' } }, 'Type'),
    type,
    h('label', { attrs: { for: 'task-params' } }, 'Parameters (JSON object)'),
    params,
    h(
      'fieldset',
      {},
      h('legend', {}, 'Run on'),
      h(
        'label',
        {},
        targetSelected,
        ` the ${formatInteger(selectedCount)} computers selected on the Computers page`,
      ),
      h('label', {}, targetAll, ' all computers'),
    ),
    submit,
    message,
  );
  const body = h('tbody');
  replace(
    root,
    h('h1', {}, 'Tasks'),
    form,
    h(
      'section',
      { className: 'panel' },
      h('h2', {}, 'Recent tasks'),
      h(
        'table',
        { attrs: { 'data-testid': 'tasks-table' } },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...[
              'Type',
              'Created',
              'Progress',
              'Pending',
              'Delivered',
              'Done',
              'Failed',
              'State',
            ].map((t) => h('th', { attrs: { scope: 'col' } }, t)),
          ),
        ),
        body,
      ),
    ),
  );

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const parsed = parseJsonObject(params.value, 'Parameters');
    if (!parsed.ok) {
      message.className = 'error';
      message.textContent = parsed.error;
      return;
    }
    const target = targetAll.checked ? { all: true } : { agentIds: [...state.selected] };
    submit.disabled = true;
    state.api
      .send<{ id: string; targets: number }>('POST', '/api/tasks', {
        type: type.value,
        params: parsed.value,
        ...target,
      })
      .then((created) => {
        message.className = 'ok';
        message.textContent = `Task created for ${formatInteger(created.targets)} computers.`;
        void refresh();
      })
      .catch((error: unknown) => {
        message.className = 'error';
        message.textContent = error instanceof ApiFailure ? error.message : String(error);
      })
      .finally(() => {
        submit.disabled = false;
      });
  });

  const row = (task: TaskCounts) => {
    const total = task.pending + task.delivered + task.done + task.failed;
    const finished = task.done + task.failed;
    const progress = h('progress', { attrs: { max: Math.max(1, total), value: finished } });
    const stateText =
      total === 0
        ? 'no targets'
        : finished === total
          ? task.failed
            ? 'finished with failures'
            : 'done'
          : 'running';
    return h(
      'tr',
      { attrs: { 'data-task-id': task.id } },
      h('td', {}, task.type),
      h('td', {}, formatAgo(task.createdAt)),
      h('td', {}, progress, ` ${formatInteger(finished)} / ${formatInteger(total)}`),
      h('td', {}, formatInteger(task.pending)),
      h('td', {}, formatInteger(task.delivered)),
      h('td', { attrs: { 'data-testid': 'task-done' } }, formatInteger(task.done)),
      h('td', {}, formatInteger(task.failed)),
      h('td', { attrs: { 'data-testid': 'task-state' } }, stateText),
    );
  };

  async function refresh(): Promise<void> {
    const tasks = await state.api.get<{ items: TaskCounts[] }>('/api/tasks');
    replace(
      body,
      ...(tasks.items.length
        ? tasks.items.map(row)
        : [h('tr', {}, h('td', { attrs: { colspan: 8 }, className: 'muted' }, 'No tasks yet.'))]),
    );
  }
  return poll(refresh, REFRESH_MS);
};
