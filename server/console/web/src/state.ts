import type { Api } from './api.js';
import type { OsFamily, Protection } from './types.js';

/** What the views share while the page is open (nothing is persisted: a reload signs out). */
export interface ConsoleState {
  readonly api: Api;
  /** Computers ticked on the Computers page: the target of "create a task for selected". */
  readonly selected: Set<string>;
  computerFilter: ComputerFilter;
  logFilter: LogFilter;
}

export interface LogFilter {
  q: string;
  type: string;
  /** Hours back, as the select's value. */
  hours: string;
  order: 'newest' | 'oldest';
  simulated: '' | 'include' | 'only';
}

export type ComputerSort =
  | 'hostname'
  | 'os'
  | 'protection'
  | 'group'
  | 'lastSeen'
  | 'agentVersion'
  | 'ip';

export interface ComputerFilter {
  page: number;
  pageSize: number;
  hostname: string;
  status: Protection | '';
  os: OsFamily | '';
  clone: '' | 'true' | 'false';
  /** '' real computers only (the default view), or with simulated ones, or those alone. */
  simulated: '' | 'include' | 'only';
  sort: ComputerSort;
  order: 'asc' | 'desc';
}

export function initialState(api: Api): ConsoleState {
  return {
    api,
    selected: new Set(),
    computerFilter: {
      page: 1,
      pageSize: 50,
      hostname: '',
      status: '',
      os: '',
      clone: '',
      simulated: '',
      sort: 'hostname',
      order: 'asc',
    },
    logFilter: { q: '', type: '', hours: '24', order: 'newest', simulated: '' },
  };
}

/** A view draws into `root` and returns what stops its timers when the admin leaves it. */
export type View = (root: HTMLElement, state: ConsoleState, param?: string) => () => void;
