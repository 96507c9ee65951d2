import type pg from 'pg';
import type {
  RogueDisposition,
  RogueJudgement,
  RogueMachine,
  RogueMachineAction,
} from '../../protocol/index.js';

/**
 * The server's judgement of each sighting, made at query time against what managed computers
 * report now: the MAC of an inventory's `hardware.network[]` (any case, colons or dashes: kept
 * as `macaddr` in inventory_addresses by migration 11's trigger), else its IPv4, else the host
 * name of a computer (case-insensitive). The first match wins, in that order; no match is a
 * rogue. Each test is one index lookup.
 */
const JUDGED = `
  SELECT s.*, m.agent_id, m.matched_by
  FROM sightings s
  LEFT JOIN LATERAL (
    SELECT a.agent_id, 'mac' AS matched_by FROM inventory_addresses a WHERE a.mac = s.mac
    UNION ALL
    SELECT a.agent_id, 'ip' FROM inventory_addresses a WHERE s.ip IS NOT NULL AND a.ipv4 = s.ip
    UNION ALL
    SELECT c.agent_id, 'hostname' FROM computers c
     WHERE s.hostname IS NOT NULL AND lower(c.hostname) = lower(s.hostname)
    LIMIT 1
  ) m ON true`;

export interface RogueListQuery {
  readonly page: number;
  readonly pageSize: number;
  readonly judgement: RogueJudgement | 'all';
  readonly disposition: RogueDisposition | 'all';
  readonly simulated: 'exclude' | 'include' | 'only';
}

export async function listRogueMachines(
  pool: pg.Pool,
  q: RogueListQuery,
): Promise<{ total: number; items: RogueMachine[] }> {
  const where: string[] = [];
  const values: unknown[] = [];
  if (q.simulated === 'exclude') where.push('NOT j.simulated');
  else if (q.simulated === 'only') where.push('j.simulated');
  if (q.judgement === 'rogue') where.push('j.matched_by IS NULL');
  else if (q.judgement === 'managed') where.push('j.matched_by IS NOT NULL');
  if (q.disposition !== 'all') {
    values.push(q.disposition);
    where.push(`j.disposition = $${values.length}`);
  }
  const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const { rows } = await pool.query<RogueMachine & { total: number }>(
    `SELECT count(*) OVER ()::int AS total,
            j.mac::text AS mac, host(j.ip) AS ip, j.hostname, j.vendor, j.source,
            j.sensor_id AS "sensorId", to_json(j.first_seen)#>>'{}' AS "firstSeen",
            to_json(j.last_seen)#>>'{}' AS "lastSeen",
            CASE WHEN j.matched_by IS NULL THEN 'rogue' ELSE 'managed' END AS judgement,
            j.matched_by AS "matchedBy", j.agent_id AS "agentId", j.disposition,
            j.target_group AS "group", j.simulated
     FROM (${JUDGED}) j ${filter}
     ORDER BY j.first_seen DESC, j.mac
     LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`,
    values,
  );
  // Past the last page the window count has no row to ride on: count once more.
  let total = rows[0]?.total;
  if (total === undefined) {
    const counted = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (${JUDGED}) j ${filter}`,
      values,
    );
    total = counted.rows[0]?.n ?? 0;
  }
  return { total, items: rows.map(({ total: _total, ...item }) => item) };
}

/** An admin's decision on one found machine; false when the server never saw that MAC there. */
export async function decideRogueMachine(
  pool: pg.Pool,
  mac: string,
  simulated: boolean,
  action: RogueMachineAction,
): Promise<boolean> {
  const [disposition, group] =
    action.action === 'ignore'
      ? ['ignored', null]
      : action.action === 'move-to-group'
        ? ['moved', action.group]
        : ['open', null];
  const result = await pool.query(
    `UPDATE sightings SET disposition = $3, target_group = $4, decided_at = now()
     WHERE mac = $1::macaddr AND simulated = $2`,
    [mac, simulated, disposition, group],
  );
  return (result.rowCount ?? 0) > 0;
}
