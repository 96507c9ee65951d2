import type { Api } from './api.js';
import type { OsFamily, Protection } from './types.js';

/** What the views share while the page is open (nothing is persisted: a reload signs out). */
export interface ConsoleState {
  readonly api: Api;
  /** Computers ticked on the Computers page: the target of "create a task for selected". */
  readonly selected: Set<string>;
  computerFilter: ComputerFilter;
}

export interface ComputerFilter {
  page: number;
  pageSize: number;
  hostname: string;
  status: Protection | '';
  os: OsFamily | '';
  clone: '' | 'true' | 'false';
}

export function initialState(api: Api): ConsoleState {
  return {
    api,
    selected: new Set(),
    computerFilter: { page: 1, pageSize: 50, hostname: '', status: '', os: '', clone: '' },
  };
}

/** A view draws into `root` and returns what stops its timers when the admin leaves it. */
export type View = (root: HTMLElement, state: ConsoleState, param?: string) => () => void;
