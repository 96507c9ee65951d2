import type { Clock, TimerHandle } from '../clock.js';
import { DueHeap } from './due-heap.js';

/**
 * Fires each agent at its due time with one timer for the whole fleet (the earliest entry),
 * so 100,000 agents cost one setTimeout, not 100,000. Entries due at or after `endMs` never
 * fire: every run is bounded.
 */
export class Scheduler {
  private readonly heap = new DueHeap();
  private timer: TimerHandle | null = null;
  private armedFor = Number.POSITIVE_INFINITY;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly endMs: number,
    private readonly fire: (index: number) => void,
  ) {}

  /** Queues agent `index` to fire at `dueMs` (in the past: as soon as possible). */
  schedule(index: number, dueMs: number): void {
    if (this.stopped || dueMs >= this.endMs) return;
    this.heap.push(dueMs, index);
    if (dueMs < this.armedFor) this.arm();
  }

  /** Entries still waiting. */
  get waiting(): number {
    return this.heap.size;
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    this.heap.clear();
  }

  private arm(): void {
    this.timer?.cancel();
    this.armedFor = this.heap.peekDue();
    if (!Number.isFinite(this.armedFor)) {
      this.timer = null;
      return;
    }
    this.timer = this.clock.setTimer(() => this.tick(), this.armedFor - this.clock.now());
  }

  private tick(): void {
    this.timer = null;
    this.armedFor = Number.POSITIVE_INFINITY;
    // Timers fire up to ~1 ms early or late; take everything due by now.
    const now = this.clock.now();
    while (!this.stopped && this.heap.size > 0 && this.heap.peekDue() <= now + 0.5) {
      this.fire(this.heap.pop());
    }
    if (!this.stopped && this.heap.size > 0 && !Number.isFinite(this.armedFor)) this.arm();
  }
}
