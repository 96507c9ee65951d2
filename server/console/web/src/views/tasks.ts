import { ApiFailure } from '../api.js';
import { h, replace, select } from '../dom.js';
import { formatAgo, formatInteger } from '../format.js';
import { poll } from '../poll.js';
import { type JsonSchema, type SchemaForm, schemaForm } from '../schema-form.js';
import type { View } from '../state.js';
import { type AgentVersionCount, type FormSchemas, TASK_TYPES, type TaskCounts } from '../types.js';

const REFRESH_MS = 2_000;

/** Create a task for the computers ticked on the Computers page (or all), and watch progress. */
export const showTasks: View = (root, state) => {
  const type = select(
    TASK_TYPES.map((t) => [t, t] as const),
    'on-demand-scan',
    { id: 'task-type' },
  );
  // The parameters form of the chosen type, built from the server's schema for it.
  const paramsBox = h('fieldset', { attrs: { 'data-testid': 'task-params' } });
  let schemas: Record<string, JsonSchema> = {};
  let params: SchemaForm | null = null;
  const showParams = () => {
    const schema = schemas[type.value];
    params = schema ? schemaForm(schema, {}, 'task-param') : null;
    replace(
      paramsBox,
      h('legend', {}, 'Parameters'),
      params && Object.keys(schema?.properties ?? {}).length
        ? params.element
        : h('p', { className: 'muted' }, 'This task takes no parameters.'),
    );
  };
  type.addEventListener('change', showParams);
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
    paramsBox,
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
  // The version mix: what an operator watches while an upgrade-agent task rolls out.
  const versions = h('tbody', { attrs: { 'data-testid': 'agent-versions' } });
  replace(
    root,
    h('h1', {}, 'Tasks'),
    form,
    h(
      'section',
      { className: 'panel' },
      h('h2', {}, 'Recent tasks'),
      h(
        'div',
        { className: 'table-scroll' },
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
    ),
    h(
      'section',
      { className: 'panel' },
      h('h2', {}, 'Agent versions'),
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
              ...['Version', 'Computers', 'Simulated'].map((t) =>
                h('th', { attrs: { scope: 'col' } }, t),
              ),
            ),
          ),
          versions,
        ),
      ),
    ),
  );

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!params) {
      message.className = 'error';
      message.textContent = 'The parameter schemas have not loaded yet.';
      return;
    }
    const value = params.read();
    if (!value) {
      message.className = 'error';
      message.textContent = 'Not created: fix the parameters marked above.';
      return;
    }
    const target = targetAll.checked ? { all: true } : { agentIds: [...state.selected] };
    submit.disabled = true;
    state.api
      .send<{ id: string; targets: number }>('POST', '/api/tasks', {
        type: type.value,
        params: value,
        ...target,
      })
      .then((created) => {
        message.className = 'ok';
        message.textContent = `Task created for ${formatInteger(created.targets)} computers.`;
        void refresh();
      })
      .catch((error: unknown) => {
        if (error instanceof ApiFailure && error.field?.startsWith('/params/'))
          params?.markServerError(error.field.slice('/params'.length), error.message);
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
    const [tasks, mix] = await Promise.all([
      state.api.get<{ items: TaskCounts[] }>('/api/tasks'),
      state.api.get<{ items: AgentVersionCount[] }>('/api/agent-versions'),
    ]);
    replace(
      versions,
      ...(mix.items.length
        ? mix.items.map((v) =>
            h(
              'tr',
              {},
              h('td', {}, v.version ?? 'not reported yet'),
              h('td', {}, formatInteger(v.computers)),
              h('td', {}, formatInteger(v.simulated)),
            ),
          )
        : [
            h(
              'tr',
              {},
              h('td', { attrs: { colspan: 3 }, className: 'muted' }, 'No computers yet.'),
            ),
          ]),
    );
    replace(
      body,
      ...(tasks.items.length
        ? tasks.items.map(row)
        : [h('tr', {}, h('td', { attrs: { colspan: 8 }, className: 'muted' }, 'No tasks yet.'))]),
    );
  }
  let active = true;
  state.api
    .get<FormSchemas>('/api/form-schemas')
    .then((answer) => {
      if (!active) return;
      schemas = answer.tasks;
      showParams();
    })
    .catch((error: unknown) => {
      message.className = 'error';
      message.textContent = error instanceof ApiFailure ? error.message : String(error);
    });
  const stop = poll(refresh, REFRESH_MS);
  return () => {
    active = false;
    stop();
  };
};
