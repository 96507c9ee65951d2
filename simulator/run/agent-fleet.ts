import { VirtualAgent } from '../agent/agent.js';
import type { AgentBehaviour, AgentBehaviourOptions } from '../agent/behaviour-options.js';
import { ContentLedger } from '../agent/content-ledger.js';
import { pendingLogCount } from '../agent/outbox.js';
import type { TaskObserver } from '../agent/task-observer.js';
import { type Clock, realClock } from '../clock.js';
import type { EnrolledIdentity } from '../identity/enroll.js';
import type { RunRecorder } from '../metrics/contract.js';
import { buildEventPools } from '../profile/events.js';
import { AgentTransport, type ConnectionMode } from '../transport/agent-transport.js';
import type { ProxyEndpoint } from '../transport/proxy-tunnel.js';
import type { TargetEndpoint } from '../transport/target.js';
import type { Workload } from '../workload/workload.js';
import { type PhaseWakeups, runPhase } from './phase.js';

export interface AgentFleetOptions {
  readonly target: TargetEndpoint;
  readonly proxy?: ProxyEndpoint;
  readonly connection: ConnectionMode;
  /** Bound on one replication, connect included. */
  readonly timeoutMs: number;
  /** Enrolled identities of this process's agents, in fleet order. */
  readonly identities: readonly EnrolledIdentity[];
  /** Fleet index of the first identity (a shard starts further along the fleet). */
  readonly firstIndex: number;
  readonly behaviour: AgentBehaviourOptions;
  /** Counts connections until the first phase names its own recorder. */
  readonly recorder: RunRecorder;
  readonly clock?: Clock;
  /** Each agent keeps a ContentLedger of what it sent (`--verify` compares content). @default false */
  readonly ledgers?: boolean;
  /** Aborting ends the phase being played and every later one at once (Ctrl-C). @default never */
  readonly signal?: AbortSignal;
  /** Push sessions whose wake-ups move replications forward. @default none */
  readonly wakeups?: PhaseWakeups;
}

export interface PlayOptions {
  /** Only these agents (positions in the fleet's list) take part. @default all */
  readonly agents?: number;
  /** Behaviour for this phase only, e.g. no new logs while draining. */
  readonly behaviour?: Partial<AgentBehaviourOptions>;
  /** End once every agent is done (warm-up, storm, drain), not only at the workload's end. */
  readonly endWhenIdle?: boolean;
  /** At most this many replications in flight (see PhaseContext.maxInFlight). */
  readonly maxInFlight?: number;
}

/** What one phase did per agent (attempts, successful or not). */
export interface PlaySummary {
  readonly agents: number;
  readonly minReplicationsPerAgent: number;
  readonly meanReplicationsPerAgent: number;
  /** A few distinct reasons replications failed (not shed), with how often each came. */
  readonly failures: readonly { readonly reason: string; readonly count: number }[];
}

/** ours: enough distinct reasons to tell what went wrong, few enough to carry around. */
const FAILURE_REASONS_KEPT = 5;

/**
 * A process's share of the fleet, kept across phases: the agents (their seqs, outboxes,
 * tasks, pace), their identities and their connections. `smc simulate` plays one workload on
 * it; a rehearsal plays warm-up, capacity steps, the measured fleet run, a reconnect storm and
 * a drain on the same agents and sessions, each phase into a recorder of its own.
 */
export class AgentFleet {
  readonly agents: readonly VirtualAgent[];
  /** The agents later phases play (all, unless some were left out: keepOnly). */
  private playing: readonly VirtualAgent[];
  private readonly transport: AgentTransport;
  private readonly behaviour: AgentBehaviour;
  private readonly clock: Clock;
  /** Logs each agent had before this run (a seeded history), left out of logTotals. */
  private history = 0;
  private tasks: TaskObserver | undefined;

  constructor(private readonly options: AgentFleetOptions) {
    this.clock = options.clock ?? realClock;
    this.agents = options.identities.map(
      (identity, k) => new VirtualAgent(options.firstIndex + k, identity.agentId, k),
    );
    if (options.ledgers) for (const agent of this.agents) agent.ledger = new ContentLedger();
    this.playing = this.agents;
    this.transport = new AgentTransport({
      target: options.target,
      ...(options.proxy ? { proxy: options.proxy } : {}),
      mode: options.connection,
      timeoutMs: options.timeoutMs,
      recorder: options.recorder,
    });
    this.behaviour = {
      ...options.behaviour,
      pools: buildEventPools(options.behaviour.seed),
      runStartEpochMs: Date.now(),
      hashLogs: options.ledgers === true,
    };
  }

  /** Plays `workload` over the agents into `recorder`; resolves once it ended and drained. */
  async play(
    workload: Workload,
    recorder: RunRecorder,
    options: PlayOptions = {},
  ): Promise<PlaySummary> {
    const agents =
      options.agents === undefined ? this.playing : this.playing.slice(0, options.agents);
    const before = agents.map((agent) => agent.replications);
    const behaviour = options.behaviour
      ? { ...this.behaviour, ...options.behaviour }
      : this.behaviour;
    this.transport.useRecorder(recorder);
    const { identities } = this.options;
    const failures = new Map<string, number>();
    await runPhase(
      {
        clock: this.clock,
        agents,
        behaviour,
        recorder,
        drainTimeoutMs: this.options.timeoutMs + 1_000,
        ...(options.endWhenIdle ? { endWhenIdle: true } : {}),
        ...(options.maxInFlight !== undefined ? { maxInFlight: options.maxInFlight } : {}),
        ...(this.options.signal ? { signal: this.options.signal } : {}),
        ...(this.options.wakeups ? { wakeups: this.options.wakeups } : {}),
        ...(this.tasks ? { tasks: this.tasks } : {}),
        onFailure: (outcome, detail) => {
          // Identifiers vary per agent and time; the reason does not.
          const reason = `${outcome}: ${detail.replace(/[0-9a-f]{8}-[0-9a-f-]{27}|\d+/g, '#').slice(0, 200)}`;
          if (failures.has(reason) || failures.size < FAILURE_REASONS_KEPT)
            failures.set(reason, (failures.get(reason) ?? 0) + 1);
        },
        port: {
          replicate: (agent, body) =>
            this.transport.replicate(
              agent.identityRef,
              identities[agent.identityRef] as EnrolledIdentity,
              body,
            ),
        },
      },
      workload,
    );
    let min = Number.POSITIVE_INFINITY;
    let sum = 0;
    agents.forEach((agent, k) => {
      const played = agent.replications - (before[k] as number);
      min = Math.min(min, played);
      sum += played;
    });
    return {
      agents: agents.length,
      minReplicationsPerAgent: agents.length > 0 ? min : 0,
      meanReplicationsPerAgent: agents.length > 0 ? sum / agents.length : 0,
      failures: [...failures].map(([reason, count]) => ({ reason, count })),
    };
  }

  /** Later phases tell `observer` about tasks taken and results acknowledged. */
  observeTasks(observer: TaskObserver | undefined): void {
    this.tasks = observer;
  }

  /**
   * Every agent starts with a history of `through` logs the server already holds (a seeded
   * database): its own logs continue at through + 1.
   */
  startAfterHistory(through: number): void {
    if (this.agents.some((agent) => agent.nextSeq !== 1))
      throw new Error('startAfterHistory: call it before any agent made a log');
    this.history = through;
    for (const agent of this.agents) {
      agent.nextSeq = through + 1;
      agent.ackedThrough = through;
      agent.highestSent = through;
    }
  }

  /**
   * Later phases play only the agents `keep` accepts (a rehearsal leaves out agents that could
   * not open a session at all); their figures, logs and positions still count. Returns how
   * many play on.
   */
  keepOnly(keep: (agent: VirtualAgent) => boolean): number {
    this.playing = this.agents.filter(keep);
    return this.playing.length;
  }

  /** Closes every session: an outage as the agents see it. Their next replication reconnects. */
  closeSessions(): Promise<void> {
    return this.transport.closeSessions();
  }

  get openSessions(): number {
    return this.transport.openSessions;
  }

  /** Agents whose last success came at or after `sinceMs`, and the latest such success. */
  recoveredSince(sinceMs: number): { recovered: number; lastOkAtMs: number } {
    let recovered = 0;
    let lastOkAtMs = sinceMs;
    for (const agent of this.playing) {
      if (agent.lastOkAtMs >= sinceMs) {
        recovered++;
        lastOkAtMs = Math.max(lastOkAtMs, agent.lastOkAtMs);
      }
    }
    return { recovered, lastOkAtMs };
  }

  /** This run's logs (a seeded history left out): made, acknowledged, still pending. */
  logTotals(): { generated: number; acknowledged: number; pending: number } {
    let generated = 0;
    let acknowledged = 0;
    let pending = 0;
    for (const agent of this.agents) {
      generated += agent.nextSeq - 1 - this.history;
      acknowledged += agent.ackedThrough - this.history;
      pending += pendingLogCount(agent);
    }
    return { generated, acknowledged, pending };
  }

  /** Each agent's acknowledged position, for a check against what the server stored. */
  ackPositions(): { agentId: string; through: number }[] {
    return this.agents.map((agent) => ({ agentId: agent.agentId, through: agent.ackedThrough }));
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
