import type { Api } from './api.js';
import { h, replace } from './dom.js';
import { initialState, type View } from './state.js';
import { showAudit } from './views/audit.js';
import { showComputerDetail } from './views/computer-detail.js';
import { showComputers } from './views/computers.js';
import { showLogs } from './views/logs.js';
import { showOverview } from './views/overview.js';
import { showPolicy } from './views/policy.js';
import { showRehearsal } from './views/rehearsal.js';
import { showRogueMachines } from './views/rogue-machines.js';
import { showTasks } from './views/tasks.js';

const ROUTES: readonly { path: string; label: string; view: View }[] = [
  { path: 'overview', label: 'Overview', view: showOverview },
  { path: 'computers', label: 'Computers', view: showComputers },
  { path: 'logs', label: 'Logs', view: showLogs },
  { path: 'tasks', label: 'Tasks', view: showTasks },
  { path: 'policy', label: 'Policy', view: showPolicy },
  { path: 'rogue-machines', label: 'Rogue machines', view: showRogueMachines },
  { path: 'audit', label: 'Audit', view: showAudit },
  { path: 'rehearsal', label: 'Rehearsal', view: showRehearsal },
];

/**
 * The signed-in page: navigation plus one view at a time, chosen by the URL fragment
 * (#/computers, #/computers/<id>, ...). The fragment never carries the token.
 */
export function startShell(
  root: HTMLElement,
  api: Api,
  signedOut: (notice?: string) => void,
): (notice?: string) => void {
  const state = initialState(api);
  const main = h('main', { attrs: { id: 'view' } });
  const links = ROUTES.map((route) =>
    h('a', { attrs: { href: `#/${route.path}`, 'data-route': route.path } }, route.label),
  );
  let leaving = () => {};
  let active = true;
  const leave = (notice?: string) => {
    if (!active) return;
    active = false;
    leaving();
    window.removeEventListener('hashchange', render);
    history.replaceState(null, '', location.pathname);
    signedOut(notice);
  };
  const nav = h(
    'nav',
    { attrs: { 'aria-label': 'console' } },
    h('span', { className: 'brand' }, 'smc-kit'),
    h('div', { className: 'nav-links' }, ...links),
    h(
      'button',
      { attrs: { type: 'button', id: 'sign-out' }, on: { click: () => leave() } },
      'Sign out',
    ),
  );

  function render(): void {
    if (!active) return;
    leaving();
    const [first = 'overview', second] = location.hash.replace(/^#\/?/, '').split('/');
    const route = ROUTES.find((r) => r.path === first) ?? ROUTES[0];
    if (!route) return;
    for (const link of links) {
      link.classList.toggle('active', link.dataset.route === route.path);
    }
    replace(main);
    const view = route.path === 'computers' && second ? showComputerDetail : route.view;
    leaving = view(main, state, second ? decodeURIComponent(second) : undefined);
  }

  replace(root, nav, main);
  window.addEventListener('hashchange', render);
  render();
  return leave;
}
