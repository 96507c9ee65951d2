import type { ReplicateRequest } from '../../protocol/index.js';

type Log = ReplicateRequest['logs'][number];

/**
 * One log as a row of the batch's log document, which the store function unpacks in C
 * (`{"a":agent,"s":seq,"t":type,"at":time,"d":data}`). The data comes already serialised:
 * the replication check serialises it once to measure it, and that text is the row's.
 * `agentJson` is the agent id as a JSON string, serialised once per replication.
 */
export function logRow(agentJson: string, log: Log, dataJson: string): string {
  return `{"a":${agentJson},"s":${log.seq},"t":${JSON.stringify(log.type)},"at":${JSON.stringify(log.time)},"d":${dataJson}}`;
}

/** The rows of one replication's logs, joined by commas (no brackets). */
export function logRowsText(agentId: string, logs: readonly Log[]): string {
  const agentJson = JSON.stringify(agentId);
  let rows = '';
  for (let i = 0; i < logs.length; i++) {
    const log = logs[i] as Log;
    rows += `${i === 0 ? '' : ','}${logRow(agentJson, log, JSON.stringify(log.data))}`;
  }
  return rows;
}
