import { base, en, Faker, type Randomizer } from '@faker-js/faker';
import { hash32 } from '../random.js';

/**
 * A cheap randomizer for faker: mulberry32 seeded by a hash of the seed parts. Faker's default
 * Mersenne Twister spends ~90 us on every reseed (624 words of state); agents are reseeded
 * on every derivation, so that would cost more than the replication itself.
 */
function fastRandomizer(): Randomizer {
  let state = 0;
  return {
    seed(seed: number | number[]) {
      state = Array.isArray(seed) ? hash32(...seed) : hash32(seed);
    },
    next() {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    },
  };
}

/**
 * One faker for the whole process, reseeded before each derivation. Derivations are
 * synchronous, so no two can interleave; building a Faker per agent would cost megabytes.
 */
const faker = new Faker({ locale: [en, base], randomizer: fastRandomizer() });

/** Runs `derive` with faker seeded by the given integers (same integers, same output). */
export function withSeededFaker<T>(seed: readonly number[], derive: (f: Faker) => T): T {
  faker.seed([...seed]);
  return derive(faker);
}
