/**
 * Logs partitioned by time (issue 17), so retention drops whole partitions instead of deleting
 * row by row, and a full database costs a replication what an empty one does.
 *
 * Shape: `logs` is partitioned by RANGE on (type, time): one partition per log type and UTC week
 * (`logs_<type>_w<yyyymmdd>`, Monday start), plus `logs_default`, which takes any row no
 * partition covers (a clock far in the past or future, a week nobody created yet): no insert
 * can fail for lack of a partition. `time` is the column retention judges by (the log's own
 * time), so it is the key; `type` leads it because each type has its own retention (90 days for
 * detections, firewall and HIPS; 30 for scans and events; 180 for audit): a type's week is
 * dropped as soon as it is wholly past that type's retention, with no row-by-row delete for the
 * shorter-lived types inside a partition the longer-lived ones still need.
 *
 * Why weekly, not monthly: a partition is dropped only once wholly past retention, so a log is
 * kept at least its retention and less than one period more. Monthly would keep 30-day logs up
 * to 61 days (the events, the bulk of the mix, up to twice their promised size on disk); weekly
 * keeps them at most 37. The cost is partition count: about 6 weeks of each 30-day type, 14 of
 * each 90-day type and 27 of audit, plus 2 ahead each: ~100 leaves. Inserts route per row at no
 * planning cost and retention prunes to one week; queries by agent (the console's computer page)
 * probe each leaf's primary key index, a few microseconds each. Daily would be ~700 leaves.
 *
 * Idempotent resends: a unique constraint on a partitioned table must hold every partition key
 * column, so the key is (agent_id, seq, type, time), not (agent_id, seq). A resend is the same
 * log again (agents resend what was not acknowledged, unchanged: seq, type, time and data), so
 * it conflicts on that key and is stored once, as before; after a retention run too (the row is
 * still there unless its whole week was dropped, in which case the log is past retention either
 * way, as it was with row-by-row deletes) and across a week boundary (each log routes by its own
 * time, the same both times). What the wider key no longer catches on its own is the same
 * (agent_id, seq) with another type or time: a clash (an identity reused, a snapshot restored),
 * which the old key turned into a conflict. smc_store_logs now also checks for clashes when an
 * agent sends a seq at or below the highest it ever stored (`agent_state.seq_high`, new here), so
 * a normal replication (all seqs new) still pays nothing, and a clash is caught and refused
 * exactly as migration 10 did. One gap is left: two replications under one identity racing with
 * the same seq and different times may both insert (the old key made the second wait). Agents
 * replicate one request at a time and a clone is flagged by fingerprint anyway.
 *
 * A separate non-partitioned (agent_id, seq) key table was the other way; it was rejected
 * because it would have to be pruned row by row as logs expire: the very cost this removes.
 *
 * Contract step (previousCanRun false): older servers insert seeded history with
 * `ON CONFLICT (agent_id, seq)`, which no longer names a unique constraint. The copy runs in the
 * migration's transaction (migrate.ts), holding the old table locked while it copies; the old
 * table is dropped at the end.
 *
 * Upkeep: `smc_ensure_log_partition` creates one week's partition, moving any rows the default
 * partition held for it first (attaching a range the default holds rows of would fail); the
 * server calls it at start and on the retention timer (store/log-partitions.ts).
 */
const LOG_RECORDS = 'json_to_recordset(p_logs) AS x(a uuid, s bigint, t text, at text, d json)';
const CONTENT_HASH = `sha256(convert_to(x.s::text || E'\\n' || x.t || E'\\n' || x.at || E'\\n' || x.d::text, 'UTF8'))`;

/** Retention days of the time of writing (retention.ts), for the weeks created here only. */
const KEEP_DAYS: Readonly<Record<string, number>> = {
  detection: 90,
  firewall: 90,
  hips: 90,
  scan: 30,
  audit: 180,
  event: 30,
};

const weeksOf = Object.entries(KEEP_DAYS)
  .map(
    ([type, days]) => `
  FOR v_week IN SELECT generate_series(now() - interval '${days} days', now() + interval '14 days', interval '7 days') LOOP
    PERFORM smc_ensure_log_partition('${type}', v_week);
  END LOOP;
  PERFORM smc_ensure_log_partition('${type}', now() + interval '14 days');`,
  )
  .join('');

export const sql = `
ALTER TABLE logs RENAME TO logs_unpartitioned;
ALTER TABLE logs_unpartitioned RENAME CONSTRAINT logs_pkey TO logs_unpartitioned_pkey;
DROP INDEX logs_time_brin;
DROP INDEX logs_mdm_device_latest;
DROP INDEX logs_mdm_command_results;

CREATE TABLE logs (
  agent_id     uuid NOT NULL,
  seq          bigint NOT NULL,
  type         text NOT NULL,
  time         timestamptz NOT NULL,
  data         jsonb NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  content_hash bytea,
  PRIMARY KEY (agent_id, seq, type, time)
) PARTITION BY RANGE (type, time);
CREATE TABLE logs_default PARTITION OF logs DEFAULT;
CREATE INDEX logs_time_brin ON logs USING brin (time);
CREATE INDEX logs_mdm_device_latest ON logs ((data->>'deviceId'), received_at DESC, seq DESC)
  WHERE type = 'event' AND data->>'kind' = 'mdm-device';
CREATE INDEX logs_mdm_command_results ON logs ((data->>'deviceId'), seq DESC)
  WHERE type = 'event' AND data->>'kind' = 'mdm-command-result';

CREATE FUNCTION smc_ensure_log_partition(p_type text, p_at timestamptz) RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
  v_start timestamptz := date_trunc('week', p_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  v_end timestamptz := v_start + interval '7 days';
  v_name text := format('logs_%s_w%s', p_type, to_char(v_start AT TIME ZONE 'UTC', 'YYYYMMDD'));
BEGIN
  IF p_type !~ '^[a-z]{1,20}$' THEN
    RAISE EXCEPTION 'log type % is not a plain lower-case word', p_type;
  END IF;
  -- Two servers starting together take turns: the second finds the partition made.
  PERFORM pg_advisory_xact_lock(hashtext('smc_ensure_log_partition'));
  IF to_regclass(v_name) IS NOT NULL THEN RETURN false; END IF;
  EXECUTE format('CREATE TABLE %I (LIKE logs INCLUDING DEFAULTS)', v_name);
  EXECUTE format('WITH moved AS (DELETE FROM logs_default WHERE type = $1 AND time >= $2 AND time < $3 RETURNING *)
                  INSERT INTO %I SELECT * FROM moved', v_name) USING p_type, v_start, v_end;
  EXECUTE format('ALTER TABLE logs ATTACH PARTITION %I FOR VALUES FROM (%L, %L) TO (%L, %L)',
                 v_name, p_type, v_start, p_type, v_end);
  RETURN true;
END
$fn$;

DO $do$
DECLARE v_week timestamptz;
BEGIN${weeksOf}
END
$do$;

INSERT INTO logs (agent_id, seq, type, time, data, received_at, content_hash)
  SELECT agent_id, seq, type, time, data, received_at, content_hash FROM logs_unpartitioned;
DROP TABLE logs_unpartitioned;

ALTER TABLE agent_state ADD COLUMN seq_high bigint NOT NULL DEFAULT 0;
UPDATE agent_state s SET seq_high = greatest(s.logs_through, m.top)
  FROM (SELECT agent_id, max(seq) AS top FROM logs GROUP BY agent_id) m
 WHERE m.agent_id = s.agent_id;
UPDATE agent_state SET seq_high = logs_through WHERE seq_high < logs_through;

CREATE OR REPLACE FUNCTION smc_store_logs(p_logs json, p_ids uuid[], p_sent integer[], p_first bigint[], p_last bigint[])
RETURNS TABLE (o_agent uuid, o_through bigint, o_stored integer, o_clash bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_ins_ids uuid[] := '{}';
  v_ins_n integer[] := '{}';
  v_ins_top bigint[] := '{}';
  v_resending uuid[];
  v_clash_ids uuid[] := '{}';
  v_clash_seqs bigint[] := '{}';
BEGIN
  IF json_array_length(p_logs) > 0 THEN
    WITH ins AS (
      INSERT INTO logs (agent_id, seq, type, time, data, content_hash)
      SELECT x.a, x.s, x.t, x.at::timestamptz, x.d::jsonb, ${CONTENT_HASH} FROM ${LOG_RECORDS}
      ORDER BY x.a, x.s
      ON CONFLICT (agent_id, seq, type, time) DO NOTHING
      RETURNING agent_id, seq)
    SELECT coalesce(array_agg(c.agent_id), '{}'), coalesce(array_agg(c.n), '{}'),
           coalesce(array_agg(c.top), '{}')
      INTO v_ins_ids, v_ins_n, v_ins_top
      FROM (SELECT agent_id, count(*)::int AS n, max(seq) AS top FROM ins GROUP BY agent_id) c;

    -- Who may clash: an agent that sent more than was inserted (an exact resend conflicted), or
    -- one sending a seq at or below the highest it ever stored (the same seq under another time
    -- or type is a new key, inserted beside the old row: migration 12).
    SELECT array_agg(u.id) INTO v_resending
      FROM unnest(p_ids, p_sent, p_first) AS u(id, sent, f)
      LEFT JOIN unnest(v_ins_ids, v_ins_n) AS c(id, n) ON c.id = u.id
      LEFT JOIN agent_state s ON s.agent_id = u.id
     WHERE u.sent > coalesce(c.n, 0) OR (u.f > 0 AND u.f <= coalesce(s.seq_high, 0));

    IF v_resending IS NOT NULL THEN
      -- Rows stored before content hashes existed (NULL) are taken as matching.
      SELECT coalesce(array_agg(k.a), '{}'), coalesce(array_agg(k.seq), '{}')
        INTO v_clash_ids, v_clash_seqs
        FROM (SELECT x.a, min(x.s) AS seq FROM ${LOG_RECORDS}
                JOIN logs l ON l.agent_id = x.a AND l.seq = x.s
               WHERE x.a = ANY(v_resending) AND l.content_hash <> ${CONTENT_HASH}
               GROUP BY x.a) k;
      IF cardinality(v_clash_ids) > 0 THEN
        DELETE FROM logs WHERE agent_id = ANY(v_clash_ids) AND xmin = pg_current_xact_id()::xid;
      END IF;
    END IF;
  END IF;

  RETURN QUERY
  WITH x AS (
    SELECT u.id,
           CASE WHEN u.id = ANY(v_clash_ids) THEN 0 ELSE u.f END AS first_seq,
           CASE WHEN u.id = ANY(v_clash_ids) THEN 0 ELSE u.l END AS last_seq,
           -- The highest seq this call stored (a clash stores none): what later calls check.
           CASE WHEN u.id = ANY(v_clash_ids) THEN 0 ELSE coalesce(t.top, 0) END AS top_seq
      FROM unnest(p_ids, p_first, p_last) AS u(id, f, l)
      LEFT JOIN unnest(v_ins_ids, v_ins_top) AS t(id, top) ON t.id = u.id),
  added AS (
    INSERT INTO agent_state (agent_id, logs_through, last_seen, replications, seq_high)
    SELECT x.id, CASE WHEN x.first_seq = 1 THEN x.last_seq ELSE 0 END, now(), 1, x.top_seq FROM x
     WHERE NOT EXISTS (SELECT 1 FROM agent_state s WHERE s.agent_id = x.id)
     ORDER BY x.id
    ON CONFLICT (agent_id) DO NOTHING
    RETURNING agent_state.agent_id, agent_state.logs_through),
  advanced AS (
    UPDATE agent_state AS s SET
      last_seen = now(),
      replications = s.replications + 1,
      logs_through = CASE WHEN x.first_seq <= s.logs_through + 1 AND x.last_seq > s.logs_through
                          THEN x.last_seq
                          -- Restored from a backup (migration 9): what lies before this run was
                          -- acknowledged before the restore and is gone for good; once.
                          WHEN s.resume_after_restore AND x.first_seq > s.logs_through + 1
                          THEN x.last_seq
                          ELSE s.logs_through END,
      resume_after_restore = s.resume_after_restore AND x.first_seq = 0,
      seq_high = greatest(s.seq_high, x.top_seq)
      FROM x WHERE s.agent_id = x.id
    RETURNING s.agent_id, s.logs_through),
  state AS (SELECT * FROM added UNION ALL SELECT * FROM advanced)
  SELECT u.id, st.logs_through,
         CASE WHEN k.seq IS NULL THEN coalesce(c.n, 0) ELSE 0 END,
         k.seq
    FROM unnest(p_ids) AS u(id)
    LEFT JOIN state st ON st.agent_id = u.id
    LEFT JOIN unnest(v_ins_ids, v_ins_n) AS c(id, n) ON c.id = u.id
    LEFT JOIN unnest(v_clash_ids, v_clash_seqs) AS k(id, seq) ON k.id = u.id;
END
$fn$;
`;
