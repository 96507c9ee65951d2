import { describe, expect, it } from 'vitest';
import { VirtualAgent } from '../../simulator/agent/agent.js';
import {
  acknowledgeLogs,
  gatherLogs,
  pendingLogCount,
  pendingLogs,
  resyncSeqs,
} from '../../simulator/agent/outbox.js';

const seqs = (agent: VirtualAgent, max = 500) => [...pendingLogs(agent, max)].map(([seq]) => seq);

describe('outbox', () => {
  it('keeps batches with the time each was gathered, and pages by the limit', () => {
    const agent = new VirtualAgent(0, 'a', 0);
    gatherLogs(agent, 3, 1_000);
    gatherLogs(agent, 0, 2_000);
    gatherLogs(agent, 2, 3_000);
    expect([...pendingLogs(agent, 10)]).toEqual([
      [1, 1_000],
      [2, 1_000],
      [3, 1_000],
      [4, 3_000],
      [5, 3_000],
    ]);
    expect(seqs(agent, 4)).toEqual([1, 2, 3, 4]);
    expect(pendingLogCount(agent)).toBe(5);
  });

  it('drops only what the ack covers and never un-acknowledges', () => {
    const agent = new VirtualAgent(0, 'a', 0);
    gatherLogs(agent, 3, 1_000);
    gatherLogs(agent, 3, 2_000);
    expect(acknowledgeLogs(agent, 4)).toBe(4);
    expect(seqs(agent)).toEqual([5, 6]);
    expect([...pendingLogs(agent, 10)][0]).toEqual([5, 2_000]);
    expect(acknowledgeLogs(agent, 2)).toBe(0);
    expect(seqs(agent)).toEqual([5, 6]);
    expect(acknowledgeLogs(agent, 6)).toBe(2);
    expect(seqs(agent)).toEqual([]);
    expect(agent.outbox).toEqual([]);
    gatherLogs(agent, 1, 9_000);
    expect([...pendingLogs(agent, 10)]).toEqual([[7, 9_000]]);
  });

  it('a partial ack inside a batch keeps the rest of the batch', () => {
    const agent = new VirtualAgent(0, 'a', 0);
    gatherLogs(agent, 5, 1_000);
    gatherLogs(agent, 5, 2_000);
    gatherLogs(agent, 5, 3_000);
    acknowledgeLogs(agent, 7);
    expect(seqs(agent)).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
    expect(agent.outbox).toEqual([6, 2_000, 11, 3_000]);
  });

  it('renumbers a reused identity past the seqs its server already holds', () => {
    const agent = new VirtualAgent(0, 'a', 0);
    gatherLogs(agent, 3, 1_000);
    gatherLogs(agent, 2, 2_000);
    agent.highestSent = 5;
    // The server held 1..40 from an earlier run, so it took 1..5 for resends.
    resyncSeqs(agent, 40);
    expect([...pendingLogs(agent, 10)]).toEqual([
      [41, 1_000],
      [42, 1_000],
      [43, 1_000],
      [44, 2_000],
      [45, 2_000],
    ]);
    expect(pendingLogCount(agent)).toBe(5);
    expect(acknowledgeLogs(agent, 45)).toBe(5);
    expect(pendingLogCount(agent)).toBe(0);
  });
});
