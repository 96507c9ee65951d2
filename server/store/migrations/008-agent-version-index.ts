/**
 * The console's version mix (GET /api/agent-versions) and an upgrade task's progress count
 * computers by agent_version while a component upgrade rolls out; without an index that is a
 * scan of every computer each time the console refreshes. Replications write agent_version
 * only when it changed (an upgrade), so the index costs the hot path nothing. Expand-only:
 * servers that predate it run on unchanged.
 */
export const sql = `
CREATE INDEX computers_agent_version ON computers (agent_version);
`;
