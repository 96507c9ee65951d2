import type { RunMeta, RunMode } from './contract.js';
import { arrayAt, integerAt, isoTimeAt, numberAt, objectAt, stringAt } from './json-check.js';

export const RUN_MODES: readonly RunMode[] = [
  'fleet',
  'rate',
  'ramp',
  'capacity',
  'warm-up',
  'storm',
  'drain',
];

/** Checks a RunMeta (from the load half, or from a result file). Throws naming the field. */
export function checkRunMeta(value: unknown, field: string): RunMeta {
  const meta = objectAt(value, field);
  const at = (name: string) => `${field}.${name}`;
  const mode = stringAt(meta.mode, at('mode'));
  if (!RUN_MODES.includes(mode as RunMode)) {
    throw new RangeError(`${at('mode')}: must be one of ${RUN_MODES.join(', ')} (got ${mode})`);
  }
  stringAt(meta.target, at('target'));
  integerAt(meta.agents, at('agents'), 0);
  if (meta.intervalSeconds !== null) numberAt(meta.intervalSeconds, at('intervalSeconds'), 0);
  numberAt(meta.timeScale, at('timeScale'), 0);
  if (typeof meta.seed !== 'string') numberAt(meta.seed, at('seed'));
  if (meta.shard !== undefined) {
    const shard = objectAt(meta.shard, at('shard'));
    const count = integerAt(shard.count, at('shard.count'), 1);
    const index = integerAt(shard.index, at('shard.index'), 1);
    if (index > count) throw new RangeError(`${at('shard.index')}: must be <= shard.count`);
  }
  isoTimeAt(meta.startedAt, at('startedAt'));
  isoTimeAt(meta.endedAt, at('endedAt'));
  objectAt(meta.options, at('options'));
  if (meta.generatorHost !== undefined) stringAt(meta.generatorHost, at('generatorHost'));
  if (meta.capacity !== undefined) {
    const capacity = objectAt(meta.capacity, at('capacity'));
    arrayAt(capacity.slos, at('capacity.slos')).forEach((s, i) => {
      stringAt(s, at(`capacity.slos[${i}]`));
    });
    arrayAt(capacity.steps, at('capacity.steps')).forEach((s, i) => {
      const step = objectAt(s, at(`capacity.steps[${i}]`));
      for (const name of ['rate', 'achievedPerSec', 'p99Ms', 'errorRatio']) {
        numberAt(step[name], at(`capacity.steps[${i}].${name}`), 0);
      }
      if (typeof step.passed !== 'boolean') {
        throw new RangeError(`${at(`capacity.steps[${i}].passed`)}: must be true or false`);
      }
    });
    if (capacity.highestPassingRate !== null) {
      numberAt(capacity.highestPassingRate, at('capacity.highestPassingRate'), 0);
    }
  }
  if (meta.verify !== undefined) {
    const verify = objectAt(meta.verify, at('verify'));
    for (const name of ['logsAcknowledged', 'lost', 'checkedAgents']) {
      integerAt(verify[name], at(`verify.${name}`), 0);
    }
  }
  return meta as unknown as RunMeta;
}
