import type pg from 'pg';
import type { LoadGovernor } from '../ingest/load-governor.js';
import { IS_REAL } from '../simulation/simulated-agents.js';

export interface OfflineSample {
  at: number;
  offline: number;
  total: number;
}

/** Every 5 minutes, kept for 3 days: 864 small records. */
const EVERY_MS = 5 * 60_000;
const KEPT = 864;

/**
 * "Offline agents over time" for the console's trends: how many real computers had not
 * replicated within their interval (plus jitter), sampled every few minutes. Kept in memory
 * (a restart starts it again) because one count every 5 minutes is all it costs.
 */
export class OfflineSeries {
  private readonly samples: OfflineSample[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly governor: LoadGovernor,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    if (this.timer) return;
    void this.sample().catch(this.onError);
    this.timer = setInterval(() => void this.sample().catch(this.onError), EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  all(): OfflineSample[] {
    return [...this.samples];
  }

  async sample(): Promise<void> {
    const { rows } = await this.pool.query<{ total: number; seen: number }>(
      `SELECT count(*)::int AS total,
              count(*) FILTER (WHERE s.last_seen > now() - make_interval(secs => $1))::int AS seen
       FROM computers c LEFT JOIN agent_state s USING (agent_id) WHERE ${IS_REAL('c')}`,
      [Math.ceil(this.governor.intervalSeconds * 1.1)],
    );
    const total = rows[0]?.total ?? 0;
    this.samples.push({ at: Date.now(), offline: total - (rows[0]?.seen ?? 0), total });
    if (this.samples.length > KEPT) this.samples.shift();
  }
}
