import type { VirtualAgent } from '../agent/agent.js';
import type { AgentBehaviour } from '../agent/behaviour-options.js';
import { pendingLogCount } from '../agent/outbox.js';
import { prepareReplication } from '../agent/request.js';
import { applyReply, type HttpReply, type ReplicationVerdict } from '../agent/response.js';
import type { TaskObserver } from '../agent/task-observer.js';
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
  /**
   * End as soon as no agent is waiting for a slot and none is in flight (a warm-up or storm
   * whose every agent got through), not only at the workload's end. @default false
   */
  readonly endWhenIdle?: boolean;
  /**
   * At most this many replications in flight: a due agent waits for a free place (a warm-up
   * that goes as fast as the server takes first contacts, never queueing them into time-outs).
   * Latency still counts from the slot. @default unbounded (the open model)
   */
  readonly maxInFlight?: number;
  /** Told why each failed replication failed (a phase keeps a few, to say what went wrong). */
  readonly onFailure?: (outcome: string, detail: string) => void;
  /**
   * Ends the phase early (Ctrl-C): no new slot starts, in-flight replications drain and are
   * measured, exactly as at the workload's end. @default never
   */
  readonly signal?: AbortSignal;
  /**
   * Push sessions: a wake-up makes its agent replicate now (off its timetable, which stays),
   * and an agent that took new tasks on a woken replication reports their results at once.
   */
  readonly wakeups?: PhaseWakeups;
  /** Told about tasks taken and results acknowledged (task delivery latency). */
  readonly tasks?: TaskObserver;
}

export interface PhaseWakeups {
  /** Routes wake-ups (by identity) to `handler` until the returned function is called. */
  listen(handler: (identityRef: number, publishedAtEpochMs: number) => void): () => void;
  /** A woken replication was answered (ok or not). */
  replicated(publishedAtEpochMs: number): void;
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
  let idle: (() => void) | null = null;
  let stopped = false;
  /** Due agents waiting for a place (maxInFlight), first come first served. */
  const blocked: number[] = [];
  let blockedHead = 0;
  const checkIdle = () => {
    if (idle && inFlight === 0 && scheduler.waiting === 0 && blockedHead === blocked.length) idle();
  };

  const scheduler = new Scheduler(clock, workload.endMs, (position) => start(position));

  /** A woken replication's publish time (NaN: unknown), by position; absent: a timetable slot. */
  const start = (position: number, wokenBy?: number) => {
    const agent = agents[position] as VirtualAgent;
    const now = clock.now();
    const woken = wokenBy !== undefined;
    if (woken && (agent.inFlight || now < agent.notBeforeMs)) {
      // Busy: replicate again when this one ends. Told to wait: the next slot will do.
      if (agent.inFlight) agent.wakePending = true;
      return;
    }
    if (agent.inFlight) {
      // Still busy from an earlier phase's drain: try again shortly, the slot stays.
      scheduler.schedule(position, now + 50);
      return;
    }
    if (!woken && context.maxInFlight !== undefined && inFlight >= context.maxInFlight) {
      // No place free: wait in line for one (the slot stays); a finishing replication starts
      // the next in line.
      blocked.push(position);
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
    const runningBefore = agent.runningTasks?.length ?? 0;
    // A woken replication is measured from the wake-up, a slot from the timetable.
    const scheduledAtMs = woken ? now : agent.nextDueMs;
    const sentAtMs = clock.now();
    context.port
      .replicate(agent, prepared.body)
      .then(
        (reply) => applyReply(agent, prepared, reply, recorder, context.tasks),
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
          scheduledAtMs,
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
        agent.lastOutcome = verdict.outcome;
        if (verdict.outcome !== 'ok' && verdict.outcome !== 'shed_503')
          context.onFailure?.(verdict.outcome, verdict.detail ?? '');
        if (verdict.outcome === 'ok') agent.lastOkAtMs = doneAtMs;
        agent.inFlight = false;
        inFlight--;
        if (woken) context.wakeups?.replicated(wokenBy);
        else {
          agent.nextDueMs = workload.nextSlot(agent, agent.nextDueMs);
          scheduler.schedule(position, Math.max(agent.nextDueMs, agent.notBeforeMs));
        }
        const tookTasks = (agent.runningTasks?.length ?? 0) > runningBefore;
        if (!stopped && (agent.wakePending || (woken && tookTasks))) {
          agent.wakePending = false;
          start(position, Number.NaN);
        }
        if (!stopped && blockedHead < blocked.length) start(blocked[blockedHead++] as number);
        if (inFlight === 0) drained?.();
        checkIdle();
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
    agent.wakePending = false;
    scheduler.schedule(position, agent.nextDueMs);
  });
  let unlisten = () => {};
  if (context.wakeups) {
    const positionOf = new Map<number, number>();
    agents.forEach((agent, position) => {
      positionOf.set(agent.identityRef, position);
    });
    unlisten = context.wakeups.listen((identityRef, publishedAtEpochMs) => {
      const position = positionOf.get(identityRef);
      if (position !== undefined && !stopped) start(position, publishedAtEpochMs);
    });
  }
  sampleGauges();
  let gaugeTimer = clock.setTimer(function tick() {
    sampleGauges();
    gaugeTimer = clock.setTimer(tick, GAUGE_PERIOD_MS);
  }, GAUGE_PERIOD_MS);

  await new Promise<void>((resolve) => {
    const timer = clock.setTimer(resolve, workload.endMs - clock.now());
    if (context.signal?.aborted) {
      timer.cancel();
      resolve();
    }
    context.signal?.addEventListener(
      'abort',
      () => {
        timer.cancel();
        resolve();
      },
      { once: true },
    );
    if (context.endWhenIdle) {
      idle = () => {
        timer.cancel();
        resolve();
      };
      checkIdle();
    }
  });
  idle = null;
  stopped = true;
  unlisten();
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
