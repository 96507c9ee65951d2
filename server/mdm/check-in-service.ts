import type pg from 'pg';
import type { CheckInRequest, CheckInResponse } from '../../protocol/index.js';
import { ApiError } from '../http/errors.js';
import { CheckInBatcher, type CheckInBatcherOptions } from './check-in-batcher.js';
import type { CheckInPolicy } from './check-in-policy.js';
import type { ConnectorTelemetry } from './telemetry/connector-telemetry.js';

export interface CheckInServiceOptions extends CheckInBatcherOptions {
  /**
   * A device summary is relayed to the server when what an admin filters on changes (platform,
   * OS, model, encryption, app list), and at least this often otherwise. Ours: daily, well inside
   * the server's 30-day retention of events, so an unchanged device never drops off its list.
   */
  readonly summaryRefreshSeconds?: number;
}

/**
 * A device's check-in: stored with others in one transaction (CheckInBatcher, group commit),
 * answered with the commands that transaction marked delivered and the schedule. The answer
 * leaves only after the commit, so a command is either delivered once or still pending.
 */
export class CheckInService {
  private readonly batcher: CheckInBatcher;

  constructor(
    pool: pg.Pool,
    private readonly schedule: CheckInPolicy,
    private readonly telemetry: ConnectorTelemetry,
    options: CheckInServiceOptions = {},
  ) {
    this.batcher = new CheckInBatcher(pool, {
      ...options,
      onCommitted: (size) => telemetry.batchCommitted(size),
    });
  }

  get queueDepth(): number {
    return this.batcher.depth;
  }

  async checkIn(deviceId: string, body: CheckInRequest): Promise<CheckInResponse> {
    const started = performance.now();
    if (!this.batcher.canAccept()) {
      this.telemetry.shedCheckIn();
      // Spread the comebacks: the queue's drain time plus 1-5 s of jitter.
      const wait = this.batcher.estimatedDrainSeconds() + 1 + Math.random() * 4;
      throw new ApiError(
        'SMC_OVERLOADED',
        'connector is at capacity; check in again after the given seconds',
        undefined,
        wait,
      );
    }
    const outcome = await this.batcher.submit({ deviceId, body });
    if (outcome === 'unknown') {
      throw new ApiError('SMC_FORBIDDEN', `device ${deviceId} is not enrolled on this connector`);
    }
    for (const command of outcome) {
      const deliveredMs = command.deliveredAt.getTime();
      this.telemetry.delivered(
        deliveredMs - command.requestedAt.getTime(),
        deliveredMs - command.queuedAt.getTime(),
      );
    }
    this.telemetry.checkedIn((performance.now() - started) / 1_000);
    return {
      commands: outcome.map(({ id, type, params, createdAt }) => ({ id, type, params, createdAt })),
      next: this.schedule.next(),
    };
  }
}
