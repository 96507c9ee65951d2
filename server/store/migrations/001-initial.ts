/**
 * Initial schema. Hot paths shape it:
 * - `agent_state` is the row every replication touches (last seen, ack position). It is narrow,
 *   has no secondary index and a low fillfactor, so its updates stay HOT and cheap; this is
 *   the write Fleet found to be its bottleneck.
 * - `computers` holds identity and status, indexed for the console; replications only write
 *   it when something actually changed.
 * - `logs` is keyed by (agent_id, seq): a resend is a no-op. A BRIN index on time serves
 *   retention at almost no insert cost.
 */
export const sql = `
CREATE TABLE computers (
  agent_id        uuid PRIMARY KEY,
  hostname        text NOT NULL,
  os_family       text NOT NULL,
  os_name         text NOT NULL,
  os_version      text NOT NULL,
  agent_version   text NOT NULL,
  fingerprint     text NOT NULL,
  known_fingerprints text[] NOT NULL DEFAULT '{}',
  clone_policy    text,
  protection      text NOT NULL,
  modules_version text NOT NULL,
  last_update     timestamptz NOT NULL,
  uptime_seconds  bigint NOT NULL,
  policy_version  integer NOT NULL DEFAULT 0,
  inventory_hash  text,
  group_name      text NOT NULL DEFAULT 'all',
  first_seen      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX computers_protection ON computers (protection);
CREATE INDEX computers_os_family ON computers (os_family);
CREATE INDEX computers_hostname ON computers (hostname);

CREATE TABLE agent_state (
  agent_id      uuid PRIMARY KEY,
  logs_through  bigint NOT NULL DEFAULT 0,
  last_seen     timestamptz NOT NULL,
  replications  bigint NOT NULL DEFAULT 0
) WITH (fillfactor = 50);

CREATE TABLE inventories (
  agent_id    uuid PRIMARY KEY,
  hash        text NOT NULL,
  hardware    jsonb,
  software    jsonb,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE logs (
  agent_id    uuid NOT NULL,
  seq         bigint NOT NULL,
  type        text NOT NULL,
  time        timestamptz NOT NULL,
  data        jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agent_id, seq)
);
CREATE INDEX logs_time_brin ON logs USING brin (time);

CREATE TABLE enrollment_tokens (
  token_hash   text PRIMARY KEY,
  uses_left    integer NOT NULL CHECK (uses_left >= 0),
  uses_total   integer NOT NULL,
  expires_at   timestamptz NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE enrolled_agents (
  agent_id     uuid PRIMARY KEY,
  enrolled_at  timestamptz NOT NULL DEFAULT now(),
  token_hash   text NOT NULL
);

CREATE TABLE tasks (
  id          uuid PRIMARY KEY,
  type        text NOT NULL,
  params      jsonb NOT NULL,
  target_all  boolean NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE task_targets (
  agent_id     uuid NOT NULL,
  task_id      uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  state        text NOT NULL DEFAULT 'pending',
  delivered_at timestamptz,
  finished_at  timestamptz,
  detail       text,
  PRIMARY KEY (agent_id, task_id)
);
CREATE INDEX task_targets_task ON task_targets (task_id, state);
CREATE INDEX task_targets_pending ON task_targets (agent_id) WHERE state IN ('pending', 'delivered');

CREATE TABLE policy (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version    integer NOT NULL,
  settings   jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE clone_questions (
  id               uuid PRIMARY KEY,
  agent_id         uuid NOT NULL,
  known_fingerprint text NOT NULL,
  new_fingerprint  text NOT NULL,
  hostname         text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  resolution       text,
  resolved_at      timestamptz
);
CREATE UNIQUE INDEX clone_questions_open ON clone_questions (agent_id, new_fingerprint) WHERE resolution IS NULL;
`;
