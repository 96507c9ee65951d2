import { describe, expect, it } from 'vitest';
import {
  parseSessionMemoryOptions,
  reachableSessions,
} from '../../benchmarks/lib/session-memory-options.js';
import {
  agentConnections,
  integerList,
  kibPerSession,
  microsPerReplication,
  scaling,
  searchGoesOn,
  splitSessions,
  sustainedStep,
} from '../../benchmarks/lib/workers-figures.js';
import { parseWorkersBenchOptions } from '../../benchmarks/lib/workers-options.js';

const step = (concurrency: number, perSecond: number, p99Ms: number, errorCount = 0) => ({
  concurrency,
  ok: Math.round(perSecond * 10),
  perSecond,
  errorCount,
  p99Ms,
});

describe('the step search', () => {
  it('keeps the fastest step within the p99 limit, not a faster one over it', () => {
    const steps = [step(50, 800, 40), step(100, 1_100, 90), step(200, 1_300, 180)];
    expect(sustainedStep(steps, 100)?.concurrency).toBe(100);
  });

  it('does not count a step with errors or no answers as held', () => {
    expect(sustainedStep([step(50, 900, 30, 2), step(100, 0, 0)], 100)).toBeNull();
  });

  it('takes a held step that is slower than an earlier one for what it is: not the best', () => {
    const steps = [step(50, 1_000, 60), step(100, 950, 95)];
    expect(sustainedStep(steps, 100)?.concurrency).toBe(50);
  });

  it('goes on while the last step held, stops after the first that did not', () => {
    expect(searchGoesOn([], 100)).toBe(true);
    expect(searchGoesOn([step(50, 800, 40)], 100)).toBe(true);
    expect(searchGoesOn([step(50, 800, 40), step(100, 900, 101)], 100)).toBe(false);
  });
});

describe('per-replication and per-worker arithmetic', () => {
  it('turns clock ticks into CPU microseconds per replication', () => {
    // 150 ticks at 100/s = 1.5 s of CPU over 3,000 replications = 500 us each.
    expect(microsPerReplication(150, 100, 3_000)).toBe(500);
    expect(microsPerReplication(150, 100, 0)).toBe(0);
  });

  it('gives rate(N)/rate(1) and the rate per worker', () => {
    expect(
      scaling([
        { workers: 1, perSecond: 1_000 },
        { workers: 2, perSecond: 1_500 },
      ]),
    ).toEqual([
      { workers: 1, ratio: 1, perWorker: 1_000 },
      { workers: 2, ratio: 1.5, perWorker: 750 },
    ]);
  });

  it('has no ratio when one worker held nothing', () => {
    expect(
      scaling([
        { workers: 1, perSecond: null },
        { workers: 2, perSecond: 900 },
      ])[1],
    ).toEqual({ workers: 2, ratio: null, perWorker: 450 });
  });
});

describe('session memory arithmetic', () => {
  it('is the RSS growth divided by the sessions held', () => {
    expect(kibPerSession(100_000, 150_000, 10_000)).toBe(5);
    expect(kibPerSession(100_000, 100_500, 2_000)).toBe(0.25);
  });

  it('refuses zero sessions with a message naming them', () => {
    expect(() => kibPerSession(1, 2, 0)).toThrow(/sessions must be a positive/);
  });

  it('splits sessions over client processes of at most N each, evenly', () => {
    expect(splitSessions(50_000, 10_000)).toEqual([10_000, 10_000, 10_000, 10_000, 10_000]);
    expect(splitSessions(19_000, 10_000)).toEqual([9_500, 9_500]);
    expect(splitSessions(2_001, 1_000)).toEqual([667, 667, 667]);
    expect(splitSessions(2_000, 10_000)).toEqual([2_000]);
  });

  it('holds at most the listener cap or the descriptor limit less a reserve per server', () => {
    expect(reachableSessions(20_000)).toBe(19_000);
    expect(reachableSessions(4_096)).toBe(3_096);
    expect(reachableSessions(null)).toBe(19_000);
  });

  it('refuses 50,000 sessions on a 20,000-descriptor box instead of extrapolating', () => {
    expect(() => parseSessionMemoryOptions(['--sessions', '10000,50000'], 20_000)).toThrow(
      /--sessions 50000: one smc serve process holds at most 19000/,
    );
    expect(parseSessionMemoryOptions(['--sessions', '2000'], 20_000).sessions).toEqual([2_000]);
  });

  it('settles at most 60 s, since the server closes a session idle for 120 s', () => {
    expect(() => parseSessionMemoryOptions(['--settle-seconds', '61'], 20_000)).toThrow(
      /--settle-seconds must be a whole number from 0 to 60/,
    );
  });
});

describe('bench:workers flags', () => {
  it('defaults to 1 and 2 workers over rising steps', () => {
    const options = parseWorkersBenchOptions([]);
    expect(options.workers).toEqual([1, 2]);
    expect(options.concurrencies).toEqual([50, 100, 200, 400]);
    expect(options.p99LimitMs).toBe(100);
  });

  it('names the flag of a bad value', () => {
    expect(() => parseWorkersBenchOptions(['--workers', '1,x'])).toThrow(/--workers must be/);
    expect(() => parseWorkersBenchOptions(['--concurrency', '100,50'])).toThrow(
      /--concurrency must rise/,
    );
    expect(() => parseWorkersBenchOptions(['--agents', '10', '--concurrency', '50'])).toThrow(
      /--concurrency must be a whole number from 1 to 10/,
    );
    expect(() => integerList('--sessions', '', 1, 5)).toThrow(/--sessions must be/);
  });
});

describe('the server connection gauges', () => {
  it('reads the agent listener, not the console one', () => {
    const metrics = [
      'smc_connections_open{listener="agent"} 1998',
      'smc_connections_open{listener="console"} 1',
      'smc_connections_closed{listener="agent",reason="closedIdle"} 2',
      'smc_connections_closed{listener="console",reason="closedIdle"} 7',
    ].join('\n');
    expect(agentConnections(metrics)).toEqual({ open: 1998, closed: { closedIdle: 2 } });
    expect(agentConnections('').open).toBeNull();
  });
});
