import * as initial from './001-initial.js';
import * as mobileDeviceSummaries from './002-mobile-device-summaries.js';

export interface Migration {
  /** Increasing integer; applied in order, each once. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Every migration, in order. Append only: never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', sql: initial.sql },
  { version: 2, name: 'mobile-device-summaries', sql: mobileDeviceSummaries.sql },
];
