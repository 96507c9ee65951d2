import type { VirtualAgent } from './agent.js';

/**
 * The outbox of unacknowledged logs, kept as seq ranges on the agent record. The lossless
 * rules of protocol v1: drop only what `ack.logsThrough` covers, resend the rest.
 */

/** Adds `count` new logs gathered at `gatheredAtEpochMs`. */
export function gatherLogs(agent: VirtualAgent, count: number, gatheredAtEpochMs: number): void {
  if (count <= 0) return;
  agent.outbox.push(agent.nextSeq, gatheredAtEpochMs);
  agent.nextSeq += count;
}

export function pendingLogCount(agent: VirtualAgent): number {
  return agent.nextSeq - 1 - agent.ackedThrough;
}

/** The oldest pending logs, at most `max`, as [seq, gatheredAtEpochMs] pairs in seq order. */
export function* pendingLogs(agent: VirtualAgent, max: number): Generator<[number, number]> {
  const last = Math.min(agent.nextSeq - 1, agent.ackedThrough + max);
  const { outbox } = agent;
  for (let b = 0; b < outbox.length; b += 2) {
    const first = outbox[b] as number;
    const end = b + 2 < outbox.length ? (outbox[b + 2] as number) - 1 : agent.nextSeq - 1;
    const gatheredAt = outbox[b + 1] as number;
    for (let seq = Math.max(first, agent.ackedThrough + 1); seq <= Math.min(end, last); seq++) {
      yield [seq, gatheredAt];
    }
    if (end >= last) return;
  }
}

/**
 * Applies the server's `ack.logsThrough` and returns how many logs it newly acknowledged.
 * An ack below what we hold changes nothing (never un-acknowledge); one above anything we
 * sent is the server's error and is refused by the caller before this runs.
 */
export function acknowledgeLogs(agent: VirtualAgent, logsThrough: number): number {
  if (logsThrough <= agent.ackedThrough) return 0;
  const newly = logsThrough - agent.ackedThrough;
  agent.ackedThrough = logsThrough;
  const { outbox } = agent;
  let drop = 0;
  // A batch can go once the next batch starts at or below the first unacknowledged seq.
  while (drop + 2 < outbox.length && (outbox[drop + 2] as number) <= logsThrough + 1) drop += 2;
  if (drop + 2 >= outbox.length && logsThrough >= agent.nextSeq - 1) drop = outbox.length;
  if (drop > 0) agent.outbox = outbox.slice(drop);
  return newly;
}

/**
 * An identity reused from an earlier run starts this run at seq 1, but its server already
 * holds seqs through `serverThrough` (it acknowledged beyond anything this run sent, or it
 * answered `resync`: seqs we sent are stored with other content). Renumber everything not yet
 * acknowledged to follow the server's position, so it is sent again under fresh seqs and
 * nothing is lost.
 */
export function resyncSeqs(agent: VirtualAgent, serverThrough: number): void {
  const shift = serverThrough - agent.ackedThrough;
  if (shift <= 0) return;
  for (let b = 0; b < agent.outbox.length; b += 2)
    agent.outbox[b] = (agent.outbox[b] as number) + shift;
  agent.nextSeq += shift;
  agent.seqShift += shift;
  agent.ackedThrough = serverThrough;
  agent.highestSent = serverThrough;
}
