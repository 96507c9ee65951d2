import type { AgentTask, ReplicateRequest } from '../../protocol/index.js';

/** One replication waiting for its group commit. */
export interface QueuedReplication {
  /** The agent id from the client certificate (already checked against the body). */
  readonly agentId: string;
  readonly body: ReplicateRequest;
  /** Serialised size, for the queue's memory bound. */
  readonly bytes: number;
  /**
   * This replication's logs as rows of the batch's log document (`{"a":..,"s":..,"t":..,
   * "at":..,"d":..}` joined by commas), written while their data was serialised for its size
   * check, so no log's data is serialised twice. Without it the batch serialises the rows.
   */
  readonly logRows?: string;
  readonly enqueuedAt: number;
  resolve(result: StoredReplication): void;
  reject(error: Error): void;
}

/** What the batch transaction learned for one replication, once committed. */
export interface StoredReplication {
  /** Highest seq such that 1..seq are committed. */
  readonly logsThrough: number;
  /** Tasks claimed for this agent in the same transaction. */
  readonly tasks: AgentTask[];
  /** Set while the agent's fingerprint is an open clone question. */
  readonly clone?: {
    readonly questionId: string;
    readonly reason: string;
    readonly action: 'wait' | 're-enroll';
  };
  /** Logs newly stored by this batch for this agent (resends count 0). */
  readonly logsStored: number;
  /** Set when a log was sent under a seq the server holds with other content. */
  readonly resync?: { readonly nextSeq: number; readonly conflictSeq: number };
}
