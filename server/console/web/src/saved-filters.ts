import { h, replace } from './dom.js';
import type { ComputerFilter } from './state.js';

/**
 * Named computer filters the admin saves and applies again (Fleet's saved queries). They are
 * kept in this browser's localStorage: filters only, never the token.
 */
const KEY = 'smc-console.saved-computer-filters';
const MAX = 50;

interface Saved {
  name: string;
  filter: ComputerFilter;
}

function readAll(): Saved[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(parsed)
      ? parsed.filter(
          (s): s is Saved =>
            typeof s === 'object' &&
            s !== null &&
            typeof s.name === 'string' &&
            typeof s.filter === 'object',
        )
      : [];
  } catch {
    return [];
  }
}

export function savedFilters(
  current: () => ComputerFilter,
  apply: (filter: ComputerFilter) => void,
): HTMLElement {
  const name = h('input', {
    attrs: {
      type: 'text',
      placeholder: 'name this filter',
      'aria-label': 'filter name',
      maxlength: 60,
    },
  });
  const save = h('button', { attrs: { type: 'button' } }, 'Save filter');
  const chooser = h('select', { attrs: { 'aria-label': 'saved filters' } });
  const remove = h('button', { attrs: { type: 'button' } }, 'Delete');
  const message = h('span', {
    className: 'muted',
    attrs: { 'data-testid': 'saved-filter-message' },
  });
  const show = () => {
    const all = readAll();
    replace(
      chooser,
      h('option', { attrs: { value: '' } }, all.length ? 'saved filters…' : 'no saved filters'),
      ...all.map((s, i) => h('option', { attrs: { value: String(i) } }, s.name)),
    );
    remove.disabled = all.length === 0;
  };
  save.addEventListener('click', () => {
    const label = name.value.trim();
    if (!label) {
      message.textContent = 'Give the filter a name first.';
      return;
    }
    const all = readAll().filter((s) => s.name !== label);
    all.push({ name: label, filter: { ...current(), page: 1 } });
    localStorage.setItem(KEY, JSON.stringify(all.slice(-MAX)));
    name.value = '';
    message.textContent = `Saved “${label}”.`;
    show();
  });
  chooser.addEventListener('change', () => {
    const chosen = readAll()[Number(chooser.value)];
    if (chooser.value === '' || !chosen) return;
    message.textContent = `Applied “${chosen.name}”.`;
    apply({ ...current(), ...chosen.filter });
  });
  remove.addEventListener('click', () => {
    const all = readAll();
    const index = Number(chooser.value);
    if (chooser.value === '' || !all[index]) {
      message.textContent = 'Choose a saved filter to delete.';
      return;
    }
    const [gone] = all.splice(index, 1);
    localStorage.setItem(KEY, JSON.stringify(all));
    message.textContent = `Deleted “${gone?.name}”.`;
    show();
  });
  show();
  return h('div', { className: 'toolbar saved-filters' }, chooser, remove, name, save, message);
}
