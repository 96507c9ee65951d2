import { type Api, ApiFailure } from './api.js';
import { h } from './dom.js';
import { CLONE_ANSWERS } from './types.js';

/**
 * The guide's four answers to a clone question as buttons (POST /api/clones/:id/resolve).
 * `answered` runs after the server took one; a refusal (already answered) shows beside them.
 */
export function cloneButtons(
  api: Api,
  questionId: string,
  answered: (resolution: string) => void,
): HTMLElement {
  const message = h('span', { className: 'error', attrs: { role: 'alert' } });
  const buttons = CLONE_ANSWERS.map(([resolution, label, meaning]) =>
    h(
      'button',
      {
        attrs: { type: 'button', title: meaning, 'data-resolution': resolution },
        on: {
          click: () => {
            for (const b of buttons) b.disabled = true;
            message.textContent = '';
            api
              .send('POST', `/api/clones/${encodeURIComponent(questionId)}/resolve`, { resolution })
              .then(() => answered(resolution))
              .catch((error: unknown) => {
                for (const b of buttons) b.disabled = false;
                message.textContent = error instanceof ApiFailure ? error.message : String(error);
              });
          },
        },
      },
      label,
    ),
  );
  return h('span', { className: 'clone-answers' }, ...buttons, message);
}
