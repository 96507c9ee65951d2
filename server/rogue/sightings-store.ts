import type pg from 'pg';
import type { Sighting } from '../../protocol/index.js';

/**
 * Stores one sensor's sightings in one statement. A machine already known (same MAC, same
 * real/simulated side) keeps its first sighting and its admin's decision; what moves is
 * last_seen, the sensor that saw it last, and an IP, host name or vendor learned since. A
 * sensor's clock is its own: a time in the future is taken as now.
 */
export async function storeSightings(
  pool: pg.Pool,
  sensor: { readonly agentId: string; readonly simulated: boolean },
  sightings: readonly Sighting[],
): Promise<number> {
  const rows = sightings.map((s) => ({
    mac: s.mac,
    ip: s.ip ?? null,
    hostname: s.hostname ?? null,
    vendor: s.vendor ?? null,
    source: s.source,
    seen_at: s.seenAt,
  }));
  const result = await pool.query(
    `INSERT INTO sightings AS s (mac, simulated, ip, hostname, vendor, source, sensor_id, first_seen, last_seen)
     SELECT x.mac, $2, x.ip, x.hostname, x.vendor, x.source, $3,
            least(x.seen_at, now()), least(x.seen_at, now())
     FROM json_to_recordset($1::json)
       AS x(mac macaddr, ip inet, hostname text, vendor text, source text, seen_at timestamptz)
     ON CONFLICT (simulated, mac) DO UPDATE SET
       last_seen = greatest(s.last_seen, EXCLUDED.last_seen),
       first_seen = least(s.first_seen, EXCLUDED.first_seen),
       sensor_id = CASE WHEN EXCLUDED.last_seen >= s.last_seen THEN EXCLUDED.sensor_id ELSE s.sensor_id END,
       ip = coalesce(EXCLUDED.ip, s.ip),
       hostname = coalesce(EXCLUDED.hostname, s.hostname),
       vendor = coalesce(EXCLUDED.vendor, s.vendor),
       received_at = now()`,
    [JSON.stringify(rows), sensor.simulated, sensor.agentId],
  );
  return result.rowCount ?? 0;
}

/** What the server recorded about a certificate's agent at enrollment, or null if nothing. */
export async function enrolledKindOf(
  pool: pg.Pool,
  agentId: string,
): Promise<{ kind: string; simulated: boolean } | null> {
  const { rows } = await pool.query<{ kind: string; simulated: boolean }>(
    'SELECT kind, simulated FROM enrolled_agents WHERE agent_id = $1',
    [agentId],
  );
  return rows[0] ?? null;
}
