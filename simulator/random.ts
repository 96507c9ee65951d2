/**
 * Stateless, seeded draws: every random choice the simulator makes is a pure function of
 * (seed, agent index, counter), so agent 4711 behaves the same in every run and no per-agent
 * generator state has to be kept (100,000 agents in one process).
 */

/** murmur3's finaliser: spreads every input bit over the 32-bit result. */
function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of a few integers (order matters). */
export function hash32(...parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    // Two halves so numbers above 2^32 (seqs, times) still differ.
    h = mix32(h ^ mix32(part >>> 0));
    h = mix32(h ^ Math.floor(part / 4_294_967_296));
  }
  return h;
}

/** A number in [0, 1) drawn from the given integers. */
export function unitDraw(...parts: readonly number[]): number {
  return hash32(...parts) / 4_294_967_296;
}

/** Purposes of draws, so two decisions made with the same counter never correlate. */
export const DRAW = {
  firstDue: 1,
  jitter: 2,
  logCount: 3,
  logContent: 4,
  inventoryChange: 5,
  taskFinish: 6,
  taskOutcome: 7,
  retryJitter: 8,
  protection: 9,
  /** When an agent comes back within a storm's window. */
  stormSlot: 10,
  /** How long an agent waits before retrying a replication that got no answer. */
  retryBackoff: 11,
  /** How long an agent waits before opening its push session again. */
  pushReconnect: 12,
  /** Which agents a task probe targets. */
  taskProbe: 13,
} as const;

/**
 * A Poisson-distributed count with the given mean: how many logs an agent has gathered since
 * its last replication. Knuth's method below 30, a rounded normal above (cheap and close).
 */
export function poissonDraw(mean: number, ...parts: readonly number[]): number {
  if (mean <= 0) return 0;
  if (mean >= 30) {
    const u1 = Math.max(unitDraw(...parts, 1), 1e-12);
    const u2 = unitDraw(...parts, 2);
    const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal));
  }
  const limit = Math.exp(-mean);
  let product = 1;
  for (let k = 0; k < 1_000; k++) {
    product *= unitDraw(...parts, k + 10);
    if (product <= limit) return k;
  }
  return Math.round(mean);
}
