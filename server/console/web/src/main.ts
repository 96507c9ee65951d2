import 'uplot/dist/uPlot.min.css';
import './style.css';
import { createApi } from './api.js';
import { startShell } from './shell.js';
import { showSignIn } from './views/sign-in.js';

/** Sign in first; signing out, or a 401 later (token rotated), comes back here. */
function boot(root: HTMLElement, notice?: string): void {
  showSignIn(root, notice, (token) => {
    let leave: (notice?: string) => void = () => {};
    const api = createApi(token, () =>
      leave('The server no longer accepts this token. Sign in again.'),
    );
    leave = startShell(root, api, (why) => boot(root, why));
  });
}

const root = document.getElementById('app');
if (!root) throw new Error('index.html has no #app element');
boot(root);
