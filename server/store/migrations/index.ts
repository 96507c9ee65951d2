import * as initial from './001-initial.js';
import * as mobileDeviceSummaries from './002-mobile-device-summaries.js';
import * as logContentHash from './003-log-content-hash.js';
import * as connectorIdentity from './004-connector-identity.js';
import * as revokedAgents from './005-revoked-agents.js';

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
  { version: 3, name: 'log-content-hash', sql: logContentHash.sql },
  { version: 4, name: 'connector-identity', sql: connectorIdentity.sql },
  { version: 5, name: 'revoked-agents', sql: revokedAgents.sql },
];
