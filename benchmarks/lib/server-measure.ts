import os from 'node:os';
import { type CpuParties, type CpuSnapshot, cpuBetween, cpuSnapshot } from './server-cpu.js';
import type { LoadProcess } from './server-load-process.js';
import { groupCommitBetween, type MetricsSnapshot, parseMetrics } from './server-metrics.js';
import type { ServerBenchOptions } from './server-options.js';
import type { MeasuredAutocannon, MeasuredStep } from './server-report.js';
import type { BenchEndpoint, StepPlan } from './server-step.js';

interface ServerSideSnapshot {
  readonly cpu: CpuSnapshot;
  readonly metrics: MetricsSnapshot;
}

/** Runs the load process's steps while taking the server-side view of each measured window. */
export class StepMeasurer {
  private readonly cores = os.cpus().length;

  constructor(
    private readonly loader: LoadProcess,
    private readonly parties: CpuParties,
    /** GET /metrics on the console. */
    private readonly readMetrics: () => Promise<string>,
    private readonly requestTimeoutMs: number,
  ) {}

  async steps(options: ServerBenchOptions): Promise<MeasuredStep[]> {
    const steps: MeasuredStep[] = [];
    for (const concurrency of options.concurrencies) {
      // Same concurrency, both endpoints back to back: the ratio compares like with like.
      for (const endpoint of ['replicate', 'noop'] as const satisfies readonly BenchEndpoint[]) {
        const step = await this.step({
          endpoint,
          concurrency,
          warmupMs: options.warmupSeconds * 1_000,
          durationMs: options.stepSeconds * 1_000,
          newLogs: options.newLogs,
          timeoutMs: this.requestTimeoutMs,
        });
        steps.push(step);
        console.error(
          `${endpoint.padEnd(9)} x${String(concurrency).padStart(4)}: ${step.perSecond.toFixed(0)}/s, p50 ${step.latencyMs.p50} ms, p99 ${step.latencyMs.p99} ms, errors ${step.errorCount}, other CPU ${step.cpu.otherPercent} %`,
        );
      }
    }
    return steps;
  }

  async autocannon(options: ServerBenchOptions): Promise<MeasuredAutocannon[]> {
    const runs: MeasuredAutocannon[] = [];
    for (const endpoint of ['replicate', 'noop'] as const) {
      const before = await this.snapshot();
      const { result } = await this.loader.request(
        {
          type: 'autocannon',
          plan: {
            endpoint,
            connections: options.autocannonConnections,
            durationSeconds: options.autocannonSeconds,
            newLogs: options.newLogs,
          },
        },
        'autocannon-result',
        options.autocannonSeconds * 1_000 + 60_000,
      );
      const after = await this.snapshot();
      const cpu = cpuBetween(before.cpu, after.cpu, this.cores);
      runs.push({ ...result, cpu });
      console.error(
        `autocannon ${endpoint}: ${result.perSecond}/s, p99 ${result.latencyMs.p99} ms, other CPU ${cpu.otherPercent} %`,
      );
    }
    return runs;
  }

  private async step(plan: StepPlan): Promise<MeasuredStep> {
    let atStart: Promise<ServerSideSnapshot> | undefined;
    let atEnd: Promise<ServerSideSnapshot> | undefined;
    this.loader.onWindow = (edge) => {
      if (edge === 'window-start') atStart = this.snapshot();
      else atEnd = this.snapshot();
    };
    const { result } = await this.loader.request(
      { type: 'step', plan },
      'step-result',
      plan.warmupMs + plan.durationMs + plan.timeoutMs + 30_000,
    );
    if (!atStart || !atEnd) {
      throw new Error(`step ${plan.endpoint} x${plan.concurrency}: no measured window`);
    }
    const [before, after] = await Promise.all([atStart, atEnd]);
    const seconds = (after.cpu.at - before.cpu.at) / 1_000;
    const cpu = cpuBetween(before.cpu, after.cpu, this.cores);
    const requests = result.ok + result.errorCount;
    return {
      ...result,
      cpu,
      serverCpuMicrosPerRequest:
        requests > 0 ? Math.round(((cpu.serverPercent / 100) * seconds * 1e6) / requests) : 0,
      groupCommit: groupCommitBetween(before.metrics, after.metrics, seconds),
    };
  }

  private async snapshot(): Promise<ServerSideSnapshot> {
    const [cpu, text] = await Promise.all([cpuSnapshot(this.parties), this.readMetrics()]);
    return { cpu, metrics: parseMetrics(text) };
  }
}
