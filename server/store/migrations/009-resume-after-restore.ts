/**
 * An agent's ack position as a restored server knows it may be behind what the agent was told
 * before the restore: the agent acked (and dropped) logs the backup never held, so it resends
 * from its own position and the restored server would see a gap it can never close (the ack
 * only advances contiguously). `smc admin restore` marks every agent; the first replication
 * with logs from each agent after the restore may start past the gap, once (flush-batch.ts).
 * Expand-only: an older server ignores the column.
 */
export const sql = `
ALTER TABLE agent_state ADD COLUMN resume_after_restore boolean NOT NULL DEFAULT false;
`;
