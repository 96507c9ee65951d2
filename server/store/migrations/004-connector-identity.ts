/**
 * Connector identity as a fact the server owns: an enrollment token has a kind (`agent` or
 * `mdm-connector`), and the kind is recorded with the agent it enrolled. The console takes
 * relayed mobile devices only from agents enrolled as connectors (formerly: any agent that
 * reported `agent.version = mdm-connector/1`, which any agent could). No backfill from that
 * reported field: a connector enrolled before this migration enrolls again with a connector
 * token (delete its relay/identity.json).
 *
 * Which connector holds a device comes from server-owned order too: the summary received last
 * (received_at, then seq), not the time the agent wrote into the log. The device index of
 * migration 2 is rebuilt on that order.
 */
export const sql = `
ALTER TABLE enrollment_tokens ADD COLUMN kind text NOT NULL DEFAULT 'agent'
  CHECK (kind IN ('agent', 'mdm-connector'));
ALTER TABLE enrolled_agents ADD COLUMN kind text NOT NULL DEFAULT 'agent'
  CHECK (kind IN ('agent', 'mdm-connector'));
CREATE INDEX enrolled_agents_connectors ON enrolled_agents (agent_id) WHERE kind = 'mdm-connector';

DROP INDEX logs_mdm_device_latest;
CREATE INDEX logs_mdm_device_latest ON logs ((data->>'deviceId'), received_at DESC, seq DESC)
  WHERE type = 'event' AND data->>'kind' = 'mdm-device';
`;
