import { PARAMETERLESS_TASK_TYPES } from '../../protocol/index.js';
import type { VirtualAgent } from '../agent/agent.js';
import type { TaskObserver } from '../agent/task-observer.js';
import { type ConsoleEndpoint, consoleCall } from '../identity/console-client.js';
import { createHistogram, type Histogram, recordMs } from '../metrics/histogram.js';
import { DRAW, unitDraw } from '../random.js';

export interface TaskProbeOptions {
  readonly console: ConsoleEndpoint;
  /** The fleet's agents (targets are drawn from them). */
  readonly agents: readonly VirtualAgent[];
  /** One task every this many wall ms. */
  readonly everyMs: number;
  /** Agents each task targets (at most the fleet). */
  readonly targetsPerTask: number;
  readonly seed: number;
}

interface Probe {
  readonly createdAtEpochMs: number;
}

/**
 * Task delivery latency as an operator feels it: the probe creates tasks on the console API
 * during the run (as an operator would) and measures, per target, from the moment it asked
 * until the agent had the task (created -> received) and until the server acknowledged its
 * result (created -> result received). Only the probe's own tasks count.
 */
export class TaskProbe implements TaskObserver {
  readonly toReceived: Histogram = createHistogram();
  readonly toResult: Histogram = createHistogram();
  tasksCreated = 0;
  targetsAsked = 0;
  createFailures = 0;
  private readonly probes = new Map<string, Probe>();
  /** Arrivals of a task whose POST has not been answered yet (a wake-up can be that fast). */
  private readonly early = new Map<string, { received: number[]; results: number[] }>();
  private creating = 0;
  private timer: NodeJS.Timeout | null = null;
  private made = 0;

  constructor(private readonly options: TaskProbeOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.createOne(), this.options.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  received(_agent: VirtualAgent, taskId: string): void {
    this.observe(taskId, 'received');
  }

  resultAcknowledged(_agent: VirtualAgent, taskId: string): void {
    this.observe(taskId, 'results');
  }

  private observe(taskId: string, kind: 'received' | 'results'): void {
    const now = Date.now();
    const probe = this.probes.get(taskId);
    if (probe) {
      recordMs(kind === 'received' ? this.toReceived : this.toResult, now - probe.createdAtEpochMs);
      return;
    }
    if (this.creating === 0) return;
    let early = this.early.get(taskId);
    if (!early) {
      early = { received: [], results: [] };
      this.early.set(taskId, early);
    }
    early[kind].push(now);
  }

  private async createOne(): Promise<void> {
    const { agents, targetsPerTask, seed } = this.options;
    const count = Math.min(targetsPerTask, agents.length);
    const first = Math.floor(unitDraw(seed, this.made, DRAW.taskProbe) * agents.length);
    const agentIds = Array.from(
      { length: count },
      (_, k) => (agents[(first + k) % agents.length] as VirtualAgent).agentId,
    );
    const type = PARAMETERLESS_TASK_TYPES[this.made % PARAMETERLESS_TASK_TYPES.length];
    this.made++;
    const createdAtEpochMs = Date.now();
    this.creating++;
    try {
      const answer = await consoleCall<{ id: string }>(this.options.console, 'POST', '/api/tasks', {
        type,
        agentIds,
      });
      this.probes.set(answer.id, { createdAtEpochMs });
      this.tasksCreated++;
      this.targetsAsked += count;
      const early = this.early.get(answer.id);
      for (const at of early?.received ?? []) recordMs(this.toReceived, at - createdAtEpochMs);
      for (const at of early?.results ?? []) recordMs(this.toResult, at - createdAtEpochMs);
    } catch {
      this.createFailures++;
    } finally {
      this.creating--;
      if (this.creating === 0) this.early.clear();
    }
  }
}
