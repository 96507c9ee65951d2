import type { VirtualAgent } from '../agent/agent.js';
import { DRAW, unitDraw } from '../random.js';
import type { Workload } from './workload.js';

export interface FleetWorkloadOptions {
  readonly startMs: number;
  readonly endMs: number;
  readonly agentCount: number;
  /** The replication interval agents start with (schedule seconds). */
  readonly intervalSeconds: number;
  /** Schedule seconds played per wall second (--time-scale). */
  readonly timeScale: number;
  readonly seed: number;
}

/**
 * A fleet of N agents at their interval, as a deployment runs: each agent's first slot falls
 * at a random point of one interval (agents were not all switched on at once), then it
 * follows the server's `next` (interval plus a random part of the jitter) once told.
 */
export class FleetWorkload implements Workload {
  readonly name = 'fleet';
  readonly startMs: number;
  readonly endMs: number;

  constructor(private readonly options: FleetWorkloadOptions) {
    this.startMs = options.startMs;
    this.endMs = options.endMs;
  }

  firstSlot(agent: VirtualAgent): number {
    const offset =
      unitDraw(this.options.seed, agent.index, DRAW.firstDue) * this.intervalWallMs(agent);
    return this.startMs + offset;
  }

  nextSlot(agent: VirtualAgent, previousSlotMs: number): number {
    const jitter =
      unitDraw(this.options.seed, agent.index, agent.replications, DRAW.jitter) *
      (agent.serverJitterMs / this.options.timeScale);
    return previousSlotMs + this.intervalWallMs(agent) + jitter;
  }

  scheduledRate(): number {
    return (this.options.agentCount * this.options.timeScale) / this.options.intervalSeconds;
  }

  private intervalWallMs(agent: VirtualAgent): number {
    const scheduleMs =
      agent.serverIntervalMs > 0 ? agent.serverIntervalMs : this.options.intervalSeconds * 1_000;
    return scheduleMs / this.options.timeScale;
  }
}
