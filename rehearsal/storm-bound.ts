/**
 * ours: the fleet has recovered from a storm when every agent got through within the window
 * it came back in plus half of it again (at least 30 s): time for agents the server shed to
 * come back after their Retry-After.
 */
export function stormBoundSeconds(windowSeconds: number): number {
  return windowSeconds + Math.max(30, windowSeconds / 2);
}
