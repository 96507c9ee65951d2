/**
 * The logs-and-ack part of a group commit as one function, so a steady batch (every agent's
 * identity unchanged, no task results, no task hints) is ONE statement in its own implicit
 * transaction: one round trip instead of BEGIN, insert, advance, COMMIT (issue 16). Inside a
 * batch's explicit transaction (the long path) the same function runs as one of its steps.
 *
 * What it does, in one transaction either way (so a refused value fails the whole call and
 * batch isolation splits the batch as before):
 * - inserts the batch's logs (`p_logs`, one JSON document: a agent, s seq, t type, at time
 *   text, d data), hashing each log's content as protocol/log-content.ts does;
 * - for agents that sent more than it inserted (a resend), finds the lowest seq stored with
 *   other content (a clash) and deletes that agent's rows of this transaction: a clashing
 *   replication stores none of its logs, the agent resends them under new seqs;
 * - advances agent_state from each agent's contiguous run (`p_first`..`p_last`; 0 for none
 *   and for clashing agents), never past a gap (but once past the backup point for an agent a
 *   restore marked: migration 9);
 * - returns per agent of `p_ids`: logs_through (null: no row came back, a racing insert),
 *   logs newly stored, and the clash seq (null: none).
 */
const LOG_RECORDS = 'json_to_recordset(p_logs) AS x(a uuid, s bigint, t text, at text, d json)';
const CONTENT_HASH = `sha256(convert_to(x.s::text || E'\\n' || x.t || E'\\n' || x.at || E'\\n' || x.d::text, 'UTF8'))`;

export const sql = `
CREATE FUNCTION smc_store_logs(p_logs json, p_ids uuid[], p_sent integer[], p_first bigint[], p_last bigint[])
RETURNS TABLE (o_agent uuid, o_through bigint, o_stored integer, o_clash bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_ins_ids uuid[] := '{}';
  v_ins_n integer[] := '{}';
  v_resending uuid[];
  v_clash_ids uuid[] := '{}';
  v_clash_seqs bigint[] := '{}';
BEGIN
  IF json_array_length(p_logs) > 0 THEN
    WITH ins AS (
      INSERT INTO logs (agent_id, seq, type, time, data, content_hash)
      SELECT x.a, x.s, x.t, x.at::timestamptz, x.d::jsonb, ${CONTENT_HASH} FROM ${LOG_RECORDS}
      ORDER BY x.a, x.s
      ON CONFLICT (agent_id, seq) DO NOTHING
      RETURNING agent_id)
    SELECT coalesce(array_agg(c.agent_id), '{}'), coalesce(array_agg(c.n), '{}')
      INTO v_ins_ids, v_ins_n
      FROM (SELECT agent_id, count(*)::int AS n FROM ins GROUP BY agent_id) c;

    SELECT array_agg(u.id) INTO v_resending
      FROM unnest(p_ids, p_sent) AS u(id, sent)
      LEFT JOIN unnest(v_ins_ids, v_ins_n) AS c(id, n) ON c.id = u.id
     WHERE u.sent > coalesce(c.n, 0);

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
           CASE WHEN u.id = ANY(v_clash_ids) THEN 0 ELSE u.l END AS last_seq
      FROM unnest(p_ids, p_first, p_last) AS u(id, f, l)),
  added AS (
    INSERT INTO agent_state (agent_id, logs_through, last_seen, replications)
    SELECT x.id, CASE WHEN x.first_seq = 1 THEN x.last_seq ELSE 0 END, now(), 1 FROM x
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
      resume_after_restore = s.resume_after_restore AND x.first_seq = 0
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
