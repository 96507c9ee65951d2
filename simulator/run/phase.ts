import type { VirtualAgent } from '../agent/agent.js';
import type { AgentBehaviour } from '../agent/behaviour-options.js';
import { pendingLogCount } from '../agent/outbox.js';
import { prepareReplication } from '../agent/request.js';
import { applyReply, type HttpReply, type ReplicationVerdict } from '../agent/response.js';
import type { Clock } from '../clock.js';
import type { RunRecorder } from '../metrics/contract.js';
import { DRAW, unitDraw } from '../random.js';
import { Scheduler } from '../schedule/scheduler.js';
import { classifyError } from '../transport/failure.js';
import type { Workload } from '../workload/workload.js';

/** How a replication reaches the server; rejects with a TransportFailure on no answer. */
export interface ReplicationPort {
  replicate(agent: VirtualAgent, body: string): Promise<HttpReply>;
}

export interface PhaseContext {
  readonly clock: Clock;
  readonly agents: readonly VirtualAgent[];
  readonly behaviour: AgentBehaviour;
  readonly port: ReplicationPort;
  readonly recorder: RunRecorder;
  /** Wall time for log and task timestamps (epoch ms). */
  readonly epochNow?: () => number;
  /** After the phase ends, how long to wait for replications still in flight. */
  readonly drainTimeoutMs: number;
}

const GAUGE_PERIOD_MS = 1_000;

/**
 * Plays one workload over the agents from its start to its end: each agent replicates at its
 * slots, one replication at a time (an agent never overlaps itself; if it falls behind it
 * catches up back to back, and each late start is measured from its slot). Resolves once
 * the window has passed and in-flight replications have drained.
 */
export async function runPhase(context: PhaseContext, workload: Workload): Promise<void> {
  const { clock, agents, recorder } = context;
  const epochNow = context.epochNow ?? Date.now;
  let inFlight = 0;
  let drained: (() => void) | null = null;

  const scheduler = new Scheduler(clock, workload.endMs, (position) => start(position));

  const start = (position: number) => {
    const agent = agents[position] as VirtualAgent;
    const now = clock.now();
    if (agent.inFlight) {
      // Still busy from an earlier phase's drain: try again shortly, the slot stays.
      scheduler.schedule(position, now + 50);
      return;
    }
    if (now < agent.notBeforeMs) {
      // The server asked us to wait: the slot stays, the start moves (and counts as late).
      scheduler.schedule(position, agent.notBeforeMs);
      return;
    }
    agent.inFlight = true;
    inFlight++;
    recorder.count('replications_scheduled');
    const generatedBefore = agent.nextSeq;
    const prepared = prepareReplication(agent, context.behaviour, epochNow());
    if (agent.nextSeq > generatedBefore)
      recorder.count('logs_generated', agent.nextSeq - generatedBefore);
    if (prepared.logsResent > 0) recorder.count('logs_resent', prepared.logsResent);
    const sentAtMs = clock.now();
    context.port
      .replicate(agent, prepared.body)
      .then(
        (reply) => applyReply(agent, prepared, reply, recorder),
        (error): ReplicationVerdict => {
          agent.highestSent = Math.max(agent.highestSent, prepared.highestSeqSent);
          const failure = classifyError(error);
          return {
            outcome: failure.outcome,
            logsAcked: 0,
            retryAfterSeconds: null,
            detail: failure.message,
          };
        },
      )
      .then((verdict) => {
        const doneAtMs = clock.now();
        recorder.recordReplication({
          scheduledAtMs: agent.nextDueMs,
          sentAtMs,
          doneAtMs,
          outcome: verdict.outcome,
          logsSent: prepared.logsSent,
          logsAcked: verdict.logsAcked,
        });
        if (verdict.retryAfterSeconds !== null) {
          // Retry-After is the server's real-time request (not scaled), plus up to half again.
          const spread =
            1 +
            0.5 *
              unitDraw(context.behaviour.seed, agent.index, agent.replications, DRAW.retryJitter);
          agent.notBeforeMs = doneAtMs + verdict.retryAfterSeconds * 1_000 * spread;
        }
        agent.nextDueMs = workload.nextSlot(agent, agent.nextDueMs);
        agent.inFlight = false;
        inFlight--;
        scheduler.schedule(position, Math.max(agent.nextDueMs, agent.notBeforeMs));
        if (inFlight === 0) drained?.();
      });
  };

  const sampleGauges = () => {
    recorder.setGauge('in_flight', inFlight);
    recorder.setGauge('agents_active', agents.length);
    recorder.setGauge('scheduled_rate', workload.scheduledRate(clock.now()));
    let pending = 0;
    for (const agent of agents) pending += pendingLogCount(agent);
    recorder.setGauge('logs_pending', pending);
  };

  agents.forEach((agent, position) => {
    agent.nextDueMs = workload.firstSlot(agent, position);
    scheduler.schedule(position, agent.nextDueMs);
  });
  sampleGauges();
  let gaugeTimer = clock.setTimer(function tick() {
    sampleGauges();
    gaugeTimer = clock.setTimer(tick, GAUGE_PERIOD_MS);
  }, GAUGE_PERIOD_MS);

  await new Promise<void>((resolve) => clock.setTimer(resolve, workload.endMs - clock.now()));
  scheduler.stop();
  if (inFlight > 0) {
    await new Promise<void>((resolve) => {
      drained = resolve;
      clock.setTimer(resolve, context.drainTimeoutMs);
    });
  }
  gaugeTimer.cancel();
  sampleGauges();
}
