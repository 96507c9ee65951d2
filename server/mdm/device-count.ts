import type pg from 'pg';
import type { CheckInPolicy } from './check-in-policy.js';

/** Ours: a recount now and then catches devices removed, or enrolled through another connector. */
const RECOUNT_MS = 60_000;

/** Ours: how soon after an enrollment the count is taken again from the database. */
const SETTLE_MS = 1_000;

/**
 * Keeps the check-in policy's device count true: counted at start, bumped at once by each
 * enrollment (so the next answer already reflects it), recounted a second after a burst of
 * enrollments and every minute. The bump and a recount running at the same moment can count
 * an enrollment twice or not at all; the recount after the burst settles it.
 */
export class DeviceCount {
  private timer: NodeJS.Timeout | undefined;
  private settle: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly policy: CheckInPolicy,
  ) {}

  async start(): Promise<void> {
    await this.recount();
    this.timer = setInterval(() => {
      // A failed recount keeps the last count: the next one, or an enrollment, corrects it.
      this.recount().catch(() => {});
    }, RECOUNT_MS);
    this.timer.unref();
  }

  /** A device enrolled (its row committed). */
  enrolled(): void {
    this.policy.deviceEnrolled();
    this.settle ??= setTimeout(() => {
      this.settle = undefined;
      this.recount().catch(() => {});
    }, SETTLE_MS).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.settle);
  }

  private async recount(): Promise<void> {
    const { rows } = await this.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM mdm.devices',
    );
    this.policy.setDeviceCount(rows[0]?.n ?? 0);
  }
}
