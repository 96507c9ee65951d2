import { ApiFailure, createApi } from '../api.js';
import { h, replace } from '../dom.js';

/**
 * Asks for the admin token and checks it against /api/stats before going on. The input has
 * no `name`, so even if script failed the browser would never put the token in a URL.
 */
export function showSignIn(
  root: HTMLElement,
  notice: string | undefined,
  signedIn: (token: string) => void,
): void {
  const input = h('input', {
    attrs: {
      id: 'token',
      type: 'password',
      autocomplete: 'off',
      spellcheck: 'false',
      required: true,
      'aria-describedby': 'sign-in-hint',
    },
  });
  const message = h('p', { className: 'error', attrs: { id: 'sign-in-error', role: 'alert' } });
  const button = h('button', { attrs: { type: 'submit' } }, 'Sign in');
  const form = h(
    'form',
    { className: 'sign-in', attrs: { method: 'post', novalidate: true } },
    h('h1', {}, 'smc-kit console'),
    h('label', { attrs: { for: 'token' } }, 'Admin token'),
    input,
    h(
      'p',
      { className: 'hint', attrs: { id: 'sign-in-hint' } },
      'The token is in pki/admin.token in the server’s data folder. It stays in this tab’s memory only.',
    ),
    button,
    message,
  );
  if (notice) message.textContent = notice;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (!token) {
      message.textContent = 'Enter the admin token.';
      return;
    }
    button.disabled = true;
    message.textContent = '';
    createApi(token, () => {})
      .get('/api/stats')
      .then(() => signedIn(token))
      .catch((error: unknown) => {
        button.disabled = false;
        message.textContent =
          error instanceof ApiFailure && error.status === 401
            ? 'That token was not accepted.'
            : `Could not reach the server: ${error instanceof Error ? error.message : String(error)}`;
      });
  });
  replace(root, form);
  input.focus();
}
