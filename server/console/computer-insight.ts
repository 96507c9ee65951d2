import type pg from 'pg';

const DAY_MS = 86_400_000;

export interface ComputerInsight {
  /** Why the protection status is not ok, as far as the server can tell; empty when ok. */
  protectionReasons: string[];
  /** The open clone question of this computer, answered on its page. */
  openClone: { id: string; createdAt: string; newFingerprint: string } | null;
}

/**
 * What the computer page says beside the raw status. Protocol v1 carries only the level
 * (ok / warning / critical), so the reasons are what the server can see for itself: stale
 * detection modules, and the detections and HIPS events of the last day.
 */
export async function computerInsight(
  pool: pg.Pool,
  computer: { agent_id: string; protection: string; last_update: Date | string | null },
  now = Date.now(),
): Promise<ComputerInsight> {
  const [clone, recent] = await Promise.all([
    pool.query<{ id: string; created_at: Date; new_fingerprint: string }>(
      `SELECT id, created_at, new_fingerprint FROM clone_questions
       WHERE agent_id = $1 AND resolution IS NULL ORDER BY created_at DESC LIMIT 1`,
      [computer.agent_id],
    ),
    computer.protection === 'ok'
      ? null
      : pool.query<{ type: string; n: number }>(
          `SELECT type, count(*)::int AS n FROM logs
           WHERE agent_id = $1 AND time > now() - interval '24 hours' AND type IN ('detection', 'hips')
           GROUP BY type`,
          [computer.agent_id],
        ),
  ]);
  const reasons: string[] = [];
  if (recent) {
    const updated = computer.last_update ? new Date(computer.last_update).getTime() : Number.NaN;
    if (Number.isNaN(updated)) reasons.push('detection modules: no update time reported');
    else if (now - updated > DAY_MS)
      reasons.push(
        `detection modules last updated ${Math.floor((now - updated) / DAY_MS)} day(s) ago (over a day old)`,
      );
    for (const row of recent.rows) {
      reasons.push(
        `${row.n} ${row.type === 'detection' ? 'detection' : 'HIPS event'}${row.n === 1 ? '' : 's'} in the last 24 hours`,
      );
    }
    if (reasons.length === 0)
      reasons.push(
        `the agent reported ${computer.protection} without a cause the server can see (protocol v1 sends only the level); see its recent logs`,
      );
  }
  const open = clone.rows[0];
  return {
    protectionReasons: reasons,
    openClone: open
      ? {
          id: open.id,
          createdAt: open.created_at.toISOString(),
          newFingerprint: open.new_fingerprint,
        }
      : null,
  };
}
