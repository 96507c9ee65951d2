import type { VirtualAgent } from '../agent/agent.js';

/**
 * A workload model: when each agent replicates. Every agent keeps an absolute timetable;
 * a slot is computed from the previous slot, never from when the last answer came, so a slow
 * server shows up as lateness and latency, never as a quietly lower rate (open model).
 */
export interface Workload {
  readonly name: string;
  /** Run-relative window (ms on the clock): slots at or after `endMs` are not played. */
  readonly startMs: number;
  readonly endMs: number;
  /** The first slot of the agent at `position` (0-based among this process's agents). */
  firstSlot(agent: VirtualAgent, position: number): number;
  /** The slot after `previousSlotMs`. */
  nextSlot(agent: VirtualAgent, previousSlotMs: number): number;
  /** Replications per second the model is asking for at `nowMs` (the chart's "scheduled"). */
  scheduledRate(nowMs: number): number;
}

/**
 * Arrival-rate models (k6's arrival-rate executors): a global sequence of arrivals at times
 * `arrivalTimeMs(m)`, dealt round-robin over the agents, so agent i plays arrivals i, i+N,
 * i+2N... Each agent's timetable is still its own and absolute.
 */
export abstract class ArrivalWorkload implements Workload {
  abstract readonly name: string;

  constructor(
    readonly startMs: number,
    readonly endMs: number,
    protected readonly agentCount: number,
  ) {
    if (!(agentCount >= 1))
      throw new RangeError('agents: an arrival-rate workload needs at least one agent');
  }

  /** When arrival `m` (0-based) is due, relative to `startMs`. */
  protected abstract arrivalOffsetMs(m: number): number;
  abstract scheduledRate(nowMs: number): number;

  firstSlot(agent: VirtualAgent, position: number): number {
    agent.arrival = position;
    return this.startMs + this.arrivalOffsetMs(position);
  }

  nextSlot(agent: VirtualAgent): number {
    agent.arrival += this.agentCount;
    return this.startMs + this.arrivalOffsetMs(agent.arrival);
  }
}
