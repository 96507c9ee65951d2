import type { Migration } from '../../store/migrations/index.js';

/**
 * The connector's own schema `mdm`, recorded in `mdm.migrations` (not the server's table), so
 * connector and server may share one database without mistaking each other's versions.
 *
 * - `devices` is the row every check-in updates; `summary_hash`/`summary_relayed_at` decide when
 *   a device summary is worth relaying to the management server.
 * - `commands` holds every command until the device answered; `delivered_at` is set in the
 *   transaction that answers the check-in, so a command is delivered once or is still pending.
 *   `server_task_id` is unique: a task the server offers again is not queued twice.
 * - `relay_outbox` holds logs for the server until it acknowledged them; `seq` is assigned by
 *   the single relay loop, densely, so the server's ack never stalls on a gap.
 */
const INITIAL = `
CREATE TABLE mdm.enrollment_tokens (
  token_hash  text PRIMARY KEY,
  uses_left   integer NOT NULL CHECK (uses_left >= 0),
  uses_total  integer NOT NULL,
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mdm.devices (
  id                 uuid PRIMARY KEY,
  platform           text NOT NULL,
  os_version         text NOT NULL,
  model              text NOT NULL,
  token_hash         text NOT NULL,
  enrolled_at        timestamptz NOT NULL DEFAULT now(),
  last_check_in      timestamptz,
  battery_level      integer,
  charging           boolean,
  encrypted          boolean,
  location           jsonb,
  app_list_hash      text,
  summary_hash       text,
  summary_relayed_at timestamptz
) WITH (fillfactor = 70);

CREATE TABLE mdm.commands (
  id             uuid PRIMARY KEY,
  device_id      uuid NOT NULL REFERENCES mdm.devices (id) ON DELETE CASCADE,
  type           text NOT NULL,
  params         jsonb NOT NULL,
  server_task_id uuid UNIQUE,
  requested_at   timestamptz NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  state          text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'done', 'failed')),
  delivered_at   timestamptz,
  finished_at    timestamptz,
  detail         text,
  result         jsonb,
  result_relayed boolean NOT NULL DEFAULT false
);
CREATE INDEX commands_pending ON mdm.commands (device_id, created_at) WHERE state = 'pending';
CREATE INDEX commands_unrelayed ON mdm.commands (finished_at)
  WHERE server_task_id IS NOT NULL AND state IN ('done', 'failed') AND NOT result_relayed;

-- Server tasks the connector cannot run (unknown device, bad parameters): answered as failed.
CREATE TABLE mdm.rejected_tasks (
  server_task_id uuid PRIMARY KEY,
  detail         text NOT NULL,
  rejected_at    timestamptz NOT NULL DEFAULT now(),
  relayed        boolean NOT NULL DEFAULT false
);

CREATE TABLE mdm.relay_outbox (
  id    bigserial PRIMARY KEY,
  seq   bigint UNIQUE,
  time  timestamptz NOT NULL DEFAULT now(),
  data  jsonb NOT NULL
);
CREATE INDEX relay_outbox_unnumbered ON mdm.relay_outbox (id) WHERE seq IS NULL;

CREATE TABLE mdm.relay_state (
  singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  -- The agent identity the seqs belong to: a new identity starts again from seq 1.
  agent_id       uuid,
  next_seq       bigint NOT NULL,
  policy_version integer NOT NULL DEFAULT 0
);
INSERT INTO mdm.relay_state (next_seq) VALUES (1);
`;

export const MDM_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'mdm-initial', sql: INITIAL, previousCanRun: false },
];

/** Where the connector records its applied versions (inside its own schema). */
export const MDM_MIGRATIONS_TABLE = 'mdm.migrations';
