import type { SimulationOptions, WorkloadMode } from './simulation-options.js';

/** One thing wrong with a SimulationOptions: the field (a path into it) and its rule. */
export interface SimulationOptionProblem {
  readonly field: string;
  readonly rule: string;
}

/**
 * Checks options however they were built (the CLI's flags, the rehearsal, a library user)
 * and returns every problem, not just the first, each naming its field; an empty list means
 * runnable. These are the model's own rules; a CLI may be stricter (its flag bounds).
 */
export function validateSimulationOptions(options: SimulationOptions): SimulationOptionProblem[] {
  const problems: SimulationOptionProblem[] = [];
  const check = (ok: boolean, field: string, rule: string) => {
    if (!ok) problems.push({ field, rule });
  };
  const whole = (value: number, min: number) => Number.isSafeInteger(value) && value >= min;
  const positive = (value: number) => Number.isFinite(value) && value > 0;
  const share = (value: number) => Number.isFinite(value) && value >= 0 && value <= 1;

  check(whole(options.agents, 1), 'agents', 'must be a whole number of at least 1');
  const { index, count } = options.shard;
  check(
    whole(count, 1) && whole(index, 1) && index <= count,
    'shard',
    'must be index/count with 1 <= index <= count',
  );
  check(positive(options.durationSeconds), 'durationSeconds', 'must be above 0');
  check(positive(options.timeScale), 'timeScale', 'must be above 0');
  check(
    whole(options.seed, 0) && options.seed <= 2 ** 31 - 1,
    'seed',
    'must be a whole number from 0 to 2,147,483,647',
  );
  check(positive(options.timeoutMs), 'timeoutMs', 'must be above 0');
  check(
    Number.isFinite(options.lateThresholdMs) && options.lateThresholdMs >= 0,
    'lateThresholdMs',
    'must be 0 or more',
  );
  if (options.enrollToken !== undefined)
    check(
      /^\S{8,128}$/.test(options.enrollToken),
      'enrollToken',
      'must be 8 to 128 characters without spaces',
    );
  problems.push(...modeProblems(options.mode));
  const { behaviour } = options;
  check(
    Number.isFinite(behaviour.logsPerReplication) && behaviour.logsPerReplication >= 0,
    'behaviour.logsPerReplication',
    'must be 0 or more',
  );
  check(share(behaviour.inventoryChangeRate), 'behaviour.inventoryChangeRate', 'must be 0 to 1');
  check(share(behaviour.taskResultRate), 'behaviour.taskResultRate', 'must be 0 to 1');
  const hasConsole = options.console !== undefined;
  if (options.verify) check(hasConsole, 'verify', 'needs console');
  if (options.taskProbe) {
    check(hasConsole, 'taskProbe', 'needs console');
    check(positive(options.taskProbe.everyMs), 'taskProbe.everyMs', 'must be above 0');
    check(
      whole(options.taskProbe.targetsPerTask, 1),
      'taskProbe.targetsPerTask',
      'must be a whole number of at least 1',
    );
  }
  if (options.rogues !== undefined) {
    check(hasConsole, 'rogues', 'needs console');
    check(whole(options.rogues, 0), 'rogues', 'must be a whole number of 0 or more');
  }
  return problems;
}

function modeProblems(mode: WorkloadMode): SimulationOptionProblem[] {
  const problem = (field: string, rule: string) => [{ field: `mode.${field}`, rule }];
  const positive = (value: number) => Number.isFinite(value) && value > 0;
  switch (mode.kind) {
    case 'fleet':
      return positive(mode.intervalSeconds) ? [] : problem('intervalSeconds', 'must be above 0');
    case 'rate':
      return positive(mode.ratePerSecond) ? [] : problem('ratePerSecond', 'must be above 0');
    case 'ramp': {
      const { fromPerSecond, toPerSecond, overSeconds } = mode.shape;
      return [
        ...(positive(fromPerSecond) ? [] : problem('shape.fromPerSecond', 'must be above 0')),
        ...(positive(toPerSecond) ? [] : problem('shape.toPerSecond', 'must be above 0')),
        ...(positive(overSeconds) ? [] : problem('shape.overSeconds', 'must be above 0')),
      ];
    }
    case 'capacity': {
      const { startRate, maxRate, growth, stepSeconds } = mode.search;
      return [
        ...(positive(startRate) ? [] : problem('search.startRate', 'must be above 0')),
        ...(Number.isFinite(maxRate) && maxRate >= startRate
          ? []
          : problem('search.maxRate', 'must be at least search.startRate')),
        ...(Number.isFinite(growth) && growth > 1
          ? []
          : problem('search.growth', 'must be above 1')),
        ...(positive(stepSeconds) ? [] : problem('search.stepSeconds', 'must be above 0')),
      ];
    }
  }
}
