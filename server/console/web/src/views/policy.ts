import { ApiFailure } from '../api.js';
import { h, replace } from '../dom.js';
import { formatAgo } from '../format.js';
import { type SchemaForm, schemaForm } from '../schema-form.js';
import type { View } from '../state.js';
import type { FormSchemas, PolicyAnswer } from '../types.js';

/**
 * The one fleet policy, as a form built from the server's policy schema: each setting with
 * its title, bounds, default and an example; what is wrong shows beside the field. The server
 * checks the same schema and raises the version agents pick up on their next replication.
 */
export const showPolicy: View = (root, state) => {
  const version = h('span', { attrs: { 'data-testid': 'policy-version' } }, '…');
  const updated = h('span', { className: 'muted' });
  const fieldsBox = h('div', { attrs: { 'data-testid': 'policy-form' } }, 'Loading the schema…');
  const message = h('p', { attrs: { role: 'status', 'data-testid': 'policy-message' } });
  const save = h('button', { attrs: { type: 'submit' } }, 'Save policy');
  save.disabled = true;
  const form = h(
    'form',
    { className: 'panel form', attrs: { novalidate: true } },
    h('p', {}, 'Version ', version, ' ', updated),
    fieldsBox,
    save,
    message,
  );
  replace(root, h('h1', {}, 'Policy'), form);

  let active = true;
  let editor: SchemaForm | null = null;
  const fail = (error: unknown) => {
    message.className = 'error';
    message.textContent = error instanceof ApiFailure ? error.message : String(error);
  };
  Promise.all([
    state.api.get<PolicyAnswer>('/api/policy'),
    state.api.get<FormSchemas>('/api/form-schemas'),
  ])
    .then(([policy, schemas]) => {
      if (!active) return;
      version.textContent = String(policy.version);
      updated.textContent = policy.updatedAt
        ? `saved ${formatAgo(policy.updatedAt)}`
        : 'never saved';
      editor = schemaForm(schemas.policy, policy.settings, 'policy');
      replace(fieldsBox, editor.element);
      save.disabled = false;
    })
    .catch(fail);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!editor) return;
    const settings = editor.read();
    if (!settings) {
      message.className = 'error';
      message.textContent = 'Not saved: fix the fields marked above.';
      return;
    }
    save.disabled = true;
    state.api
      .send<{ version: number }>('PUT', '/api/policy', { settings })
      .then((saved) => {
        version.textContent = String(saved.version);
        updated.textContent = 'saved just now';
        message.className = 'ok';
        message.textContent = `Saved as version ${saved.version}; agents apply it on their next replication.`;
      })
      .catch((error: unknown) => {
        if (error instanceof ApiFailure && error.field?.startsWith('/settings/'))
          editor?.markServerError(error.field.slice('/settings'.length), error.message);
        fail(error);
      })
      .finally(() => {
        save.disabled = false;
      });
  });
  return () => {
    active = false;
  };
};
