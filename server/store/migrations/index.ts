import * as initial from './001-initial.js';
import * as mobileDeviceSummaries from './002-mobile-device-summaries.js';
import * as logContentHash from './003-log-content-hash.js';
import * as connectorIdentity from './004-connector-identity.js';
import * as revokedAgents from './005-revoked-agents.js';
import * as simulatedAgents from './006-simulated-agents.js';
import * as consoleAudit from './007-console-audit.js';
import * as agentVersionIndex from './008-agent-version-index.js';
import * as resumeAfterRestore from './009-resume-after-restore.js';
import * as storeLogsFunction from './010-store-logs-function.js';
import * as rogueSightings from './011-rogue-sightings.js';
import * as partitionedLogs from './012-partitioned-logs.js';
import * as keysetPagingIndexes from './013-keyset-paging-indexes.js';

export interface Migration {
  /** Increasing integer; applied in order, each once. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /**
   * Expand/contract: true when the version before this migration keeps working against the
   * schema after it (an added table, a nullable or defaulted column, an index), so it may be
   * applied while older servers still run (a rolling upgrade). false: a contract step (a
   * dropped or renamed column, a new NOT NULL without default, a tightened constraint):
   * `smc migrate` refuses it while any server that does not know it is connected.
   */
  readonly previousCanRun: boolean;
}

/**
 * Every migration, in order. Append only: never edit one that has shipped. `previousCanRun`
 * was judged from each one's SQL: 2 adds indexes; 3 a nullable column; 4 defaulted columns
 * and an index rebuilt (older code never names it); 5 a table; 6 defaulted columns and an
 * index; 7 a table; 8 an index; 9 a function. The initial schema has no previous version.
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', sql: initial.sql, previousCanRun: false },
  {
    version: 2,
    name: 'mobile-device-summaries',
    sql: mobileDeviceSummaries.sql,
    previousCanRun: true,
  },
  { version: 3, name: 'log-content-hash', sql: logContentHash.sql, previousCanRun: true },
  { version: 4, name: 'connector-identity', sql: connectorIdentity.sql, previousCanRun: true },
  { version: 5, name: 'revoked-agents', sql: revokedAgents.sql, previousCanRun: true },
  { version: 6, name: 'simulated-agents', sql: simulatedAgents.sql, previousCanRun: true },
  { version: 7, name: 'console-audit', sql: consoleAudit.sql, previousCanRun: true },
  { version: 8, name: 'agent-version-index', sql: agentVersionIndex.sql, previousCanRun: true },
  {
    version: 9,
    name: 'resume-after-restore',
    sql: resumeAfterRestore.sql,
    previousCanRun: true,
  },
  // 10 adds a function only this version calls: older servers never notice it.
  { version: 10, name: 'store-logs-function', sql: storeLogsFunction.sql, previousCanRun: true },
  // 11: tables, indexes and triggers on inventories older code never sees; kind checks only widen.
  { version: 11, name: 'rogue-sightings', sql: rogueSightings.sql, previousCanRun: true },
  // 12 partitions logs: their unique key widens to (agent_id, seq, type, time), and older
  // servers' seeding names ON CONFLICT (agent_id, seq): a contract step.
  { version: 12, name: 'partitioned-logs', sql: partitionedLogs.sql, previousCanRun: false },
  // 13: keyset-paging indexes only; older servers ignore them.
  {
    version: 13,
    name: 'keyset-paging-indexes',
    sql: keysetPagingIndexes.sql,
    previousCanRun: true,
  },
];
