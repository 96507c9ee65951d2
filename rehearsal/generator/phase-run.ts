import type {
  CapacitySearch,
  JsonValue,
  RunMode,
  RunResult,
} from '../../simulator/metrics/contract.js';
import { mergeRunResults } from '../../simulator/report/merge.js';
import type { PlayReply, PlaySpec } from './messages.js';
import { type GeneratorPool, type MergedPlay, mergePlays } from './pool.js';

export interface PhaseBegin {
  readonly mode: RunMode;
  readonly intervalSeconds: number | null;
  readonly timeScale: number;
  readonly options: { readonly [key: string]: JsonValue };
}

/** Plays on every generator: `spec` gives each its share; the answers come back merged. */
export type Play = (
  spec: (slice: { first: number; count: number }, index: number) => PlaySpec,
  label: string,
) => Promise<MergedPlay>;

/**
 * One phase of the rehearsal on the generator pool: every generator opens a recorder, `body`
 * plays one or more times into it, and the generators' results merge into the phase's
 * result exactly as `smc report merge` merges shards.
 */
export async function runPoolPhase<T>(
  pool: GeneratorPool,
  begin: PhaseBegin,
  body: (play: Play) => Promise<T>,
  capacity?: (value: T) => CapacitySearch,
): Promise<{ value: T; result: RunResult }> {
  await pool.all({ op: 'begin', ...begin });
  const play: Play = async (spec, label) =>
    mergePlays(
      await pool.each<PlayReply>((generator, index) => ({
        op: 'play',
        spec: spec(generator.slice, index),
        label,
      })),
    );
  let value: T;
  try {
    value = await body(play);
  } catch (error) {
    await pool.all({ op: 'end' }).catch(() => {});
    throw error;
  }
  const ended = await pool.all<{ result: RunResult }>({ op: 'end' });
  const merged = mergeRunResults(
    ended.map((reply, i) => ({ name: `generator ${i + 1}`, result: reply.result })),
  );
  // The search is the parent's (whole-fleet rates): it is not summed over generators.
  const search = capacity?.(value);
  const result = search ? { ...merged, meta: { ...merged.meta, capacity: search } } : merged;
  return { value, result };
}
