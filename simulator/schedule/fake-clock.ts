import type { Clock, TimerHandle } from '../clock.js';

interface PendingTimer {
  readonly atMs: number;
  readonly order: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told to, for tests of the scheduler: timers fire in due order
 * and time jumps straight to each one, so an hour of schedule takes microseconds.
 */
export class FakeClock implements Clock {
  private current: number;
  private order = 0;
  private timers: PendingTimer[] = [];

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const timer: PendingTimer = {
      atMs: this.current + Math.max(0, delayMs),
      order: this.order++,
      callback,
      cancelled: false,
    };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /**
   * Moves time forward by `ms`, firing due timers in order. Between timers it lets promise
   * callbacks run, so code that awaits a replication sees it settle at the time it settled.
   */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await flushMicrotasks();
      const next = this.nextTimer();
      if (!next || next.atMs > target) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.current = Math.max(this.current, next.atMs);
      next.callback();
    }
    this.current = target;
    await flushMicrotasks();
  }

  private nextTimer(): PendingTimer | undefined {
    this.timers = this.timers.filter((timer) => !timer.cancelled);
    let best: PendingTimer | undefined;
    for (const timer of this.timers) {
      if (
        !best ||
        timer.atMs < best.atMs ||
        (timer.atMs === best.atMs && timer.order < best.order)
      ) {
        best = timer;
      }
    }
    return best;
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
