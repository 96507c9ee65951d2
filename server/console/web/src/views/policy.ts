import { ApiFailure } from '../api.js';
import { h, replace } from '../dom.js';
import { formatAgo } from '../format.js';
import { parseJsonObject } from '../json-input.js';
import type { View } from '../state.js';
import type { PolicyAnswer } from '../types.js';

/**
 * The one fleet policy as JSON. Saving checks it is a JSON object here, then the server
 * validates it again and raises the version agents pick up on their next replication.
 */
export const showPolicy: View = (root, state) => {
  const version = h('span', { attrs: { 'data-testid': 'policy-version' } }, '…');
  const updated = h('span', { className: 'muted' });
  const editor = h('textarea', {
    attrs: {
      id: 'policy-settings',
      rows: 16,
      spellcheck: 'false',
      'aria-label': 'policy settings',
    },
  });
  const message = h('p', { attrs: { role: 'status', 'data-testid': 'policy-message' } });
  const save = h('button', { attrs: { type: 'submit' } }, 'Save policy');
  const form = h(
    'form',
    { className: 'panel form' },
    h('p', {}, 'Version ', version, ' ', updated),
    editor,
    save,
    message,
  );
  replace(root, h('h1', {}, 'Policy'), form);

  let active = true;
  const show = (policy: PolicyAnswer) => {
    version.textContent = String(policy.version);
    updated.textContent = policy.updatedAt ? `saved ${formatAgo(policy.updatedAt)}` : 'never saved';
  };
  state.api
    .get<PolicyAnswer>('/api/policy')
    .then((policy) => {
      if (!active) return;
      show(policy);
      editor.value = JSON.stringify(policy.settings, null, 2);
    })
    .catch((error: unknown) => {
      message.className = 'error';
      message.textContent = error instanceof ApiFailure ? error.message : String(error);
    });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const parsed = parseJsonObject(editor.value, 'The policy');
    if (!parsed.ok) {
      message.className = 'error';
      message.textContent = parsed.error;
      return;
    }
    save.disabled = true;
    state.api
      .send<{ version: number }>('PUT', '/api/policy', { settings: parsed.value })
      .then((saved) => {
        version.textContent = String(saved.version);
        updated.textContent = 'saved just now';
        message.className = 'ok';
        message.textContent = `Saved as version ${saved.version}; agents apply it on their next replication.`;
      })
      .catch((error: unknown) => {
        message.className = 'error';
        message.textContent = error instanceof ApiFailure ? error.message : String(error);
      })
      .finally(() => {
        save.disabled = false;
      });
  });
  return () => {
    active = false;
  };
};
