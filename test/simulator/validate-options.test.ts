import { describe, expect, it } from 'vitest';
import {
  DEFAULT_OS_MIX,
  type SimulationOptions,
  validateSimulationOptions,
} from '../../simulator/index.js';

/** Options as a library user (or the rehearsal) builds them, without any flag parsing. */
function options(overrides: Partial<SimulationOptions> = {}): SimulationOptions {
  return {
    target: { url: 'https://127.0.0.1:2222', host: '127.0.0.1', port: 2222, caPem: 'pem' },
    agents: 100,
    shard: { index: 1, count: 1 },
    mode: { kind: 'fleet', intervalSeconds: 60 },
    durationSeconds: 10,
    timeScale: 1,
    seed: 7,
    connection: 'persistent',
    timeoutMs: 5_000,
    lateThresholdMs: 1_000,
    behaviour: {
      seed: 7,
      osMix: DEFAULT_OS_MIX,
      logsPerReplication: 3,
      inventoryChangeRate: 0.1,
      taskResultRate: 1,
    },
    verify: false,
    ...overrides,
  };
}

describe('validateSimulationOptions', () => {
  it('passes runnable options, beyond the CLI flag bounds too (a 10M-client plan)', () => {
    expect(validateSimulationOptions(options())).toEqual([]);
    expect(validateSimulationOptions(options({ agents: 10_000_000, timeScale: 500_000 }))).toEqual(
      [],
    );
  });

  it('returns every problem at once, each naming its field', () => {
    const problems = validateSimulationOptions(
      options({
        agents: 0.5,
        shard: { index: 3, count: 2 },
        durationSeconds: 0,
        seed: -1,
        enrollToken: 'short',
        verify: true,
        rogues: 5,
        behaviour: {
          seed: 7,
          osMix: DEFAULT_OS_MIX,
          logsPerReplication: -1,
          inventoryChangeRate: 2,
          taskResultRate: Number.NaN,
        },
      }),
    );
    expect(problems.map((p) => p.field)).toEqual([
      'agents',
      'shard',
      'durationSeconds',
      'seed',
      'enrollToken',
      'behaviour.logsPerReplication',
      'behaviour.inventoryChangeRate',
      'behaviour.taskResultRate',
      'verify',
      'rogues',
    ]);
    expect(problems[0]).toEqual({ field: 'agents', rule: 'must be a whole number of at least 1' });
    expect(problems.find((p) => p.field === 'verify')?.rule).toBe('needs console');
  });

  it('checks each workload model by its own fields', () => {
    const fields = (mode: SimulationOptions['mode']) =>
      validateSimulationOptions(options({ mode })).map((p) => p.field);
    expect(fields({ kind: 'fleet', intervalSeconds: 0 })).toEqual(['mode.intervalSeconds']);
    expect(fields({ kind: 'rate', ratePerSecond: -5 })).toEqual(['mode.ratePerSecond']);
    expect(
      fields({ kind: 'ramp', shape: { fromPerSecond: 0, toPerSecond: 10, overSeconds: 0 } }),
    ).toEqual(['mode.shape.fromPerSecond', 'mode.shape.overSeconds']);
    expect(
      fields({
        kind: 'capacity',
        search: {
          slos: [],
          startRate: 100,
          maxRate: 50,
          growth: 1,
          stepSeconds: 10,
          lateThresholdMs: 1_000,
          minSamplesPerStep: 100,
        },
      }),
    ).toEqual(['mode.search.maxRate', 'mode.search.growth']);
  });
});
