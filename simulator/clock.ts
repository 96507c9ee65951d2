/**
 * Where the scheduler gets its time from. The real clock is `performance.now()` (monotonic,
 * the same base contract.ts samples use); tests drive a FakeClock by hand.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds on a monotonic base. */
  now(): number;
  /** Calls `callback` once `delayMs` has passed (0 or less: as soon as possible). */
  setTimer(callback: () => void, delayMs: number): TimerHandle;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimer(callback, delayMs) {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(timer) };
  },
};
