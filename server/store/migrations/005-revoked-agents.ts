/**
 * Revoked agent certificates (`smc admin revoke AGENT`): checked on every request by every
 * server node from an in-memory set kept fresh by NOTIFY smc_revocations (cache/revocations.ts).
 * Agent certificates live 13 months; this is how a stolen key is cut off before that.
 */
export const sql = `
CREATE TABLE revoked_agents (
  agent_id   uuid PRIMARY KEY,
  revoked_at timestamptz NOT NULL DEFAULT now(),
  reason     text NOT NULL DEFAULT ''
);
`;
