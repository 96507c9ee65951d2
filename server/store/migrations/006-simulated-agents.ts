/**
 * Simulated agents on a real server (issue 12): a token made for a simulation tags every agent
 * enrolled with it, so the console's default views and counts leave them out and
 * `smc admin purge-simulated` can delete them and everything they stored. The tag lives on
 * enrolled_agents (written once, at enrollment), not on computers, so the replication path
 * never pays for it; the partial index holds only simulated agents and stays empty on a
 * deployment nobody rehearses against.
 */
export const sql = `
ALTER TABLE enrollment_tokens ADD COLUMN simulation boolean NOT NULL DEFAULT false;
ALTER TABLE enrolled_agents ADD COLUMN simulated boolean NOT NULL DEFAULT false;
CREATE INDEX enrolled_agents_simulated ON enrolled_agents (agent_id) WHERE simulated;
`;
