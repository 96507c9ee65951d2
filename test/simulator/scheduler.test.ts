import { describe, expect, it } from 'vitest';
import type { Clock } from '../../simulator/clock.js';
import { runPhase } from '../../simulator/run/phase.js';
import { EachOnceWorkload } from '../../simulator/workload/each-once.js';
import { FleetWorkload } from '../../simulator/workload/fleet.js';
import { RampWorkload } from '../../simulator/workload/ramp.js';
import { RateWorkload } from '../../simulator/workload/rate.js';
import { gaps, phaseHarness } from './fixtures/phase-harness.js';

const MINUTE = 60_000;

function fleet(start: number, minutes: number, agents: number, timeScale = 1) {
  return new FleetWorkload({
    startMs: start,
    endMs: start + minutes * MINUTE,
    agentCount: agents,
    intervalSeconds: 60,
    timeScale,
    seed: 11,
  });
}

describe('scheduler (fake clock)', () => {
  it('plays every agent on its own absolute timetable', async () => {
    const { clock, port, recorder, context } = phaseHarness(10);
    const done = runPhase(context, fleet(clock.now(), 10, 10));
    await clock.advance(10 * MINUTE + 1);
    await done;
    for (let i = 0; i < 10; i++) {
      const times = port.callsOf(i);
      expect(times.length).toBeGreaterThanOrEqual(9);
      expect(times[0]).toBeLessThan(1_000 + MINUTE); // first slot inside the first interval
      for (const gap of gaps(times)) expect(gap).toBeCloseTo(MINUTE, 6);
    }
    // First slots are spread, not a thundering herd.
    expect(new Set(port.calls.slice(0, 10).map((c) => Math.round(c.atMs))).size).toBe(10);
    expect(recorder.samples.every((s) => s.sentAtMs === s.scheduledAtMs)).toBe(true);
  });

  it("follows the server's next: interval plus a random part of the jitter", async () => {
    const { clock, port, context } = phaseHarness(20);
    port.next = { intervalSeconds: 60, jitterSeconds: 30 };
    const done = runPhase(context, fleet(clock.now(), 30, 20));
    await clock.advance(30 * MINUTE + 1);
    await done;
    const all = Array.from({ length: 20 }, (_, i) => gaps(port.callsOf(i))).flat();
    expect(all.length).toBeGreaterThan(300);
    expect(Math.min(...all)).toBeGreaterThanOrEqual(MINUTE);
    expect(Math.max(...all)).toBeLessThanOrEqual(MINUTE + 30_000);
    const spread = Math.max(...all) - Math.min(...all);
    expect(spread).toBeGreaterThan(20_000); // the jitter is really used
  });

  it('time scale K plays K schedule seconds per second', async () => {
    const { clock, port, context } = phaseHarness(5);
    const done = runPhase(context, fleet(clock.now(), 1, 5, 60));
    await clock.advance(MINUTE + 1);
    await done;
    for (let i = 0; i < 5; i++) {
      const times = port.callsOf(i);
      expect(times.length).toBeGreaterThanOrEqual(59);
      for (const gap of gaps(times)) expect(gap).toBeCloseTo(1_000, 6);
    }
  });

  it('a fixed rate is exact and evenly spread over the agents', async () => {
    const { clock, port, context } = phaseHarness(4);
    const start = clock.now();
    const done = runPhase(context, new RateWorkload(start, start + 10_000, 4, 20));
    await clock.advance(10_001);
    await done;
    expect(port.calls).toHaveLength(200);
    expect(gaps(port.calls.map((c) => c.atMs)).every((g) => Math.abs(g - 50) < 1e-6)).toBe(true);
    const [first = 0, second = 0] = port.callsOf(0);
    expect(second - first).toBeCloseTo(200, 6);
  });

  it('a ramp delivers the integral of its rate', async () => {
    const { clock, port, context } = phaseHarness(50);
    const start = clock.now();
    const shape = { fromPerSecond: 10, toPerSecond: 90, overSeconds: 10 };
    const done = runPhase(context, new RampWorkload(start, start + 10_000, 50, shape));
    await clock.advance(10_001);
    await done;
    expect(port.calls).toHaveLength(500); // (10 + 90) / 2 * 10 s
    const firstSecond = port.calls.filter((c) => c.atMs < start + 1_000).length;
    const lastSecond = port.calls.filter((c) => c.atMs >= start + 9_000).length;
    expect(firstSecond).toBeLessThan(20);
    expect(lastSecond).toBeGreaterThan(80);
  });

  it('a stalled server shows as latency and lateness, never as skipped slots', async () => {
    const { clock, port, recorder, context } = phaseHarness(2);
    const start = clock.now();
    const done = runPhase(context, new RateWorkload(start, start + 20_000, 2, 10));
    await clock.advance(5_000);
    port.holding = true;
    await clock.advance(5_000); // the server answers nothing for 5 s
    port.releaseHeld();
    await clock.advance(10_001);
    await done;
    // Every slot of the 20 s was played: 10/s x 20 s, nothing quietly dropped.
    expect(recorder.samples).toHaveLength(200);
    const stalled = recorder.samples.filter(
      (s) => s.scheduledAtMs >= start + 5_000 && s.scheduledAtMs < start + 10_000,
    );
    expect(stalled).toHaveLength(50);
    // Latency counts from the slot: the first held request waited the whole 5 s.
    const worst = Math.max(...recorder.samples.map((s) => s.doneAtMs - s.scheduledAtMs));
    expect(worst).toBeGreaterThanOrEqual(4_900);
    expect(recorder.stats.late).toBeGreaterThanOrEqual(45);
    // Measured from the send instead, the backlog would hide the stall.
    const fromSend = stalled
      .filter((s) => s.sentAtMs >= start + 10_000)
      .map((s) => s.doneAtMs - s.sentAtMs);
    expect(fromSend.length).toBeGreaterThan(0);
    expect(Math.max(...fromSend)).toBe(0);
  });

  it('honours Retry-After with jitter and keeps the logs for later', async () => {
    const { clock, port, recorder, agents, context } = phaseHarness(1);
    const [agent] = agents;
    if (!agent) throw new Error('harness made no agent');
    port.shedRetryAfter = '5';
    const start = clock.now();
    const done = runPhase(context, new RateWorkload(start, start + 30_000, 1, 10));
    await clock.advance(12_000);
    const shedCalls = port.callsOf(0);
    for (const gap of gaps(shedCalls)) {
      expect(gap).toBeGreaterThanOrEqual(5_000);
      expect(gap).toBeLessThanOrEqual(7_500);
    }
    expect(agent.ackedThrough).toBe(0);
    const pendingWhileShed = agent.nextSeq - 1;
    port.shedRetryAfter = null;
    await clock.advance(18_001);
    await done;
    expect(recorder.stats.outcomes.get('shed_503')).toBe(shedCalls.length);
    expect(agent.ackedThrough).toBe(agent.nextSeq - 1);
    expect(agent.ackedThrough).toBeGreaterThanOrEqual(pendingWhileShed);
    // Nothing two in flight for one agent.
    expect(
      recorder.samples.every((s, i, all) => i === 0 || s.sentAtMs >= (all[i - 1]?.doneAtMs ?? 0)),
    ).toBe(true);
  });
});

describe('every agent once (warm-up, storm, drain)', () => {
  const eachOnce = (clock: Clock, agents: number, windowMs: number, spread: 'even' | 'random') =>
    new EachOnceWorkload({
      startMs: clock.now(),
      endMs: clock.now() + 60_000,
      windowMs,
      spread,
      agentCount: agents,
      seed: 11,
      clock,
    });

  it('keeps at most maxInFlight in flight, the rest waiting in line, and ends when all got through', async () => {
    const { clock, port, recorder, context } = phaseHarness(40);
    port.holding = true;
    let ended = false;
    const done = runPhase(
      { ...context, maxInFlight: 5, endWhenIdle: true },
      eachOnce(clock, 40, 1_000, 'even'),
    ).then(() => {
      ended = true;
    });
    await clock.advance(2_000);
    // Every agent was due within the first second; only five went out.
    expect(port.calls).toHaveLength(5);
    for (let round = 0; round < 8; round++) {
      port.releaseHeld();
      port.holding = true;
      await clock.advance(10);
    }
    port.releaseHeld();
    await clock.advance(10);
    await done;
    expect(ended).toBe(true);
    // Each agent replicated once, and the phase ended long before its 60 s end.
    expect(new Set(port.calls.map((c) => c.agentIndex)).size).toBe(40);
    expect(port.calls).toHaveLength(40);
    expect(clock.now()).toBeLessThan(1_000 + 10_000);
    expect(recorder.stats.completed).toBe(40);
  });

  it('brings a storm back at random moments of its window; a shed agent retries as told', async () => {
    const { clock, port, context } = phaseHarness(30);
    port.shedRetryAfter = '2';
    const done = runPhase({ ...context, endWhenIdle: true }, eachOnce(clock, 30, 5_000, 'random'));
    await clock.advance(5_000);
    const first = port.calls.map((c) => c.atMs - 1_000);
    expect(Math.max(...first)).toBeLessThan(5_000);
    expect(new Set(first.map(Math.round)).size).toBeGreaterThan(20);
    port.shedRetryAfter = null;
    await clock.advance(10_000);
    await done;
    // Everyone shed once, retried after 2-3 s, and got through: no tight loop.
    for (let i = 0; i < 30; i++) {
      const calls = port.callsOf(i);
      expect(calls.length).toBeGreaterThanOrEqual(2);
      for (const gap of gaps(calls)) expect(gap).toBeGreaterThanOrEqual(2_000);
    }
  });
});
