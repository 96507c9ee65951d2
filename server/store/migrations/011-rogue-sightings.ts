/**
 * Rogue Detection Sensor (issue 19). A third enrollment kind, `rd-sensor`: the server takes
 * sightings only from agents it enrolled as sensors. A sighting is one machine (its MAC) on a
 * network; a machine seen by several sensors, or again, stays one row whose last_seen moves.
 * Real and simulated sensors keep apart rows (`simulated`, copied from the sensor's enrollment),
 * so a rehearsal never touches what a real sensor found and `purge-simulated` deletes its own.
 *
 * The judgement (managed or rogue) is not stored: it is made when the console lists, against what
 * managed computers report now, so a machine that enrolls later turns managed by itself. To keep
 * that a pair of index lookups per sighting, the network interfaces of every inventory
 * (`hardware.network[].mac` / `.ipv4`) are kept in `inventory_addresses` by a trigger: it runs
 * only when an inventory's hardware changes (replications send the full inventory rarely, the
 * hash gate), never on a plain replication. Inventories are free-form and hostile: only values
 * that are a MAC or an IPv4 are taken (checked before the cast, which would otherwise fail the
 * whole batch), at most 64 interfaces an inventory.
 */
export const sql = `
ALTER TABLE enrollment_tokens DROP CONSTRAINT enrollment_tokens_kind_check;
ALTER TABLE enrollment_tokens ADD CONSTRAINT enrollment_tokens_kind_check
  CHECK (kind IN ('agent', 'mdm-connector', 'rd-sensor'));
ALTER TABLE enrolled_agents DROP CONSTRAINT enrolled_agents_kind_check;
ALTER TABLE enrolled_agents ADD CONSTRAINT enrolled_agents_kind_check
  CHECK (kind IN ('agent', 'mdm-connector', 'rd-sensor'));

CREATE TABLE sightings (
  mac          macaddr NOT NULL,
  simulated    boolean NOT NULL,
  ip           inet,
  hostname     text,
  vendor       text,
  source       text NOT NULL CHECK (source IN ('arp', 'dhcp', 'neighbour-table')),
  sensor_id    uuid NOT NULL,
  first_seen   timestamptz NOT NULL,
  last_seen    timestamptz NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  disposition  text NOT NULL DEFAULT 'open' CHECK (disposition IN ('open', 'ignored', 'moved')),
  target_group text,
  decided_at   timestamptz,
  PRIMARY KEY (simulated, mac)
);
CREATE INDEX sightings_sensor ON sightings (sensor_id);
CREATE INDEX computers_hostname_lower ON computers (lower(hostname));

CREATE TABLE inventory_addresses (
  agent_id uuid NOT NULL,
  mac      macaddr,
  ipv4     inet
);
CREATE INDEX inventory_addresses_agent ON inventory_addresses (agent_id);
CREATE INDEX inventory_addresses_mac ON inventory_addresses (mac) WHERE mac IS NOT NULL;
CREATE INDEX inventory_addresses_ipv4 ON inventory_addresses (ipv4) WHERE ipv4 IS NOT NULL;

CREATE FUNCTION smc_addresses_of(hardware jsonb)
RETURNS TABLE (mac macaddr, ipv4 inet) LANGUAGE sql IMMUTABLE AS $fn$
  SELECT CASE WHEN nic->>'mac' ~ '^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$'
              THEN (nic->>'mac')::macaddr END,
         CASE WHEN nic->>'ipv4' ~ '^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])[.]){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$'
              THEN (nic->>'ipv4')::inet END
  FROM jsonb_array_elements(
         CASE WHEN jsonb_typeof(hardware->'network') = 'array' THEN hardware->'network' ELSE '[]'::jsonb END
       ) WITH ORDINALITY AS n(nic, at)
  WHERE n.at <= 64 AND jsonb_typeof(nic) = 'object'
$fn$;

-- Statement-level, set-based: one batch's inventories cost two statements, not two per row.
-- (A transition table allows one event per trigger, hence three triggers.)
CREATE FUNCTION smc_inventory_addresses_put() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  DELETE FROM inventory_addresses a USING new_rows n WHERE a.agent_id = n.agent_id;
  INSERT INTO inventory_addresses (agent_id, mac, ipv4)
  SELECT n.agent_id, x.mac, x.ipv4 FROM new_rows n, smc_addresses_of(n.hardware) x
  WHERE x.mac IS NOT NULL OR x.ipv4 IS NOT NULL;
  RETURN NULL;
END
$fn$;
CREATE FUNCTION smc_inventory_addresses_gone() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  DELETE FROM inventory_addresses a USING old_rows o WHERE a.agent_id = o.agent_id;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER inventories_addresses_insert AFTER INSERT ON inventories
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION smc_inventory_addresses_put();
CREATE TRIGGER inventories_addresses_update AFTER UPDATE ON inventories
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION smc_inventory_addresses_put();
CREATE TRIGGER inventories_addresses_delete AFTER DELETE ON inventories
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION smc_inventory_addresses_gone();

INSERT INTO inventory_addresses (agent_id, mac, ipv4)
SELECT i.agent_id, a.mac, a.ipv4 FROM inventories i, smc_addresses_of(i.hardware) a
WHERE a.mac IS NOT NULL OR a.ipv4 IS NOT NULL;
`;
