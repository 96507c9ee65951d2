import type pg from 'pg';
import type { CheckInPolicy } from './check-in-policy.js';

/** Ours: a recount now and then catches devices removed, or enrolled through another connector. */
const RECOUNT_MS = 60_000;

/**
 * Keeps the check-in policy's device count true: counted at start, bumped by each enrollment
 * (DeviceEnrollment), recounted every minute. The count sizes the interval devices are told.
 */
export class DeviceCount {
  private timer: NodeJS.Timeout | undefined;

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

  stop(): void {
    clearInterval(this.timer);
  }

  private async recount(): Promise<void> {
    const { rows } = await this.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM mdm.devices',
    );
    this.policy.setDeviceCount(rows[0]?.n ?? 0);
  }
}
