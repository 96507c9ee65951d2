import type { AutocannonSummary } from './server-autocannon.js';
import type { CpuFigures } from './server-cpu.js';
import type { SetupTimings } from './server-messages.js';
import type { GroupCommitFigures } from './server-metrics.js';
import type { ProbeNoopStep, ProbeReplicateStep } from './server-probes.js';
import { type ProbeRatios, renderRatios } from './server-ratios.js';
import type { SimulatorRun } from './server-simulator.js';
import type { BenchEndpoint, StepResult } from './server-step.js';
import { table } from './text-table.js';

/** A step as measured by the load process plus what the server side saw in the same window. */
export interface MeasuredStep extends StepResult {
  readonly cpu: CpuFigures;
  /** Server CPU per answered request, in microseconds. */
  readonly serverCpuMicrosPerRequest: number;
  readonly groupCommit: GroupCommitFigures;
}

export interface MeasuredAutocannon extends AutocannonSummary {
  readonly cpu: CpuFigures;
}

export interface Headline {
  readonly p99LimitMs: number;
  readonly targetPerSecond: number;
  /** Best replicate step with p99 within the limit and no errors; null if none held. */
  readonly replicate: {
    readonly concurrency: number;
    readonly perSecond: number;
    readonly p99Ms: number;
  } | null;
  readonly noop: {
    readonly concurrency: number;
    readonly perSecond: number;
    readonly p99Ms: number;
  } | null;
  /** replicate / noop sustained rates. */
  readonly ratio: number | null;
  readonly meetsTarget: boolean;
}

export interface ServerBenchReport {
  readonly benchmark: 'server';
  readonly date: string;
  readonly command: string;
  readonly machine: {
    readonly cores: number;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    readonly node: string;
    readonly platform: string;
    readonly postgres: string;
    readonly fsync: string;
    readonly synchronousCommit: string;
    /** Machine busy (all cores) in the 2 s before the run: others' jobs skew the figures. */
    readonly busyBeforeStartPercent: number;
  };
  readonly setup: SetupTimings & {
    readonly model: string;
    readonly sessions: string;
    readonly newLogsPerReplication: number;
    readonly warmupSeconds: number;
    readonly stepSeconds: number;
  };
  readonly steps: readonly MeasuredStep[];
  readonly autocannon: readonly MeasuredAutocannon[];
  /** The bare probes of this run: replicate before and after ours, the core-API no-op. */
  readonly probes: {
    readonly replicate: readonly (readonly ProbeReplicateStep[])[];
    readonly noop: readonly ProbeNoopStep[];
  } | null;
  /** smc simulate --rate against the same server, with the server's CPU in its window. */
  readonly simulator:
    | (SimulatorRun & {
        readonly serverCpuMicrosPerReplication: number;
        readonly postgresCpuMicrosPerReplication: number;
      })
    | null;
  readonly headline: Headline;
  readonly ratios: ProbeRatios | null;
  readonly totalSeconds: number;
}

export function headlineOf(
  steps: readonly MeasuredStep[],
  p99LimitMs: number,
  targetPerSecond: number,
): Headline {
  const best = (endpoint: BenchEndpoint) => {
    const held = steps.filter(
      (s) =>
        s.endpoint === endpoint && s.ok > 0 && s.errorCount === 0 && s.latencyMs.p99 <= p99LimitMs,
    );
    const top = held.sort((a, b) => b.perSecond - a.perSecond)[0];
    return top
      ? { concurrency: top.concurrency, perSecond: top.perSecond, p99Ms: top.latencyMs.p99 }
      : null;
  };
  const replicate = best('replicate');
  const noop = best('noop');
  return {
    p99LimitMs,
    targetPerSecond,
    replicate,
    noop,
    ratio:
      replicate && noop ? Math.round((replicate.perSecond / noop.perSecond) * 1_000) / 1_000 : null,
    meetsTarget: (replicate?.perSecond ?? 0) >= targetPerSecond,
  };
}

/** The readable table: one row per step, then autocannon, then the headline. */
export function renderReport(report: ServerBenchReport): string {
  const rows = [
    [
      'endpoint',
      'in-flight',
      'req/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'logs/s',
      'errors',
      'srv cpu%',
      'pg cpu%',
      'load cpu%',
      'other%',
      'srv us/req',
      'batch',
      'commit ms',
    ],
    ...report.steps.map((s) => [
      s.endpoint,
      String(s.concurrency),
      s.perSecond.toFixed(0),
      s.latencyMs.p50.toFixed(1),
      s.latencyMs.p99.toFixed(1),
      s.latencyMs.max.toFixed(1),
      s.endpoint === 'replicate' ? s.logsAckedPerSecond.toFixed(0) : '-',
      errorText(s.errors),
      s.cpu.serverPercent.toFixed(0),
      s.cpu.postgresPercent.toFixed(0),
      s.cpu.loadPercent.toFixed(0),
      s.cpu.otherPercent.toFixed(0),
      s.serverCpuMicrosPerRequest.toFixed(0),
      s.endpoint === 'replicate' ? s.groupCommit.meanBatchSize.toFixed(1) : '-',
      s.endpoint === 'replicate' ? s.groupCommit.meanCommitMs.toFixed(1) : '-',
    ]),
  ];
  const lines = [
    `smc server benchmark, ${report.date}: ${report.machine.cores} cores, Node ${report.machine.node}, ${report.machine.postgres} (fsync ${report.machine.fsync}); machine ${report.machine.busyBeforeStartPercent} % busy before start`,
    `${report.setup.agents} agents (enrolled in ${report.setup.enrollSeconds} s, connected in ${report.setup.connectSeconds} s), ${report.setup.sessions}; ${report.setup.model}`,
    '',
    ...table(rows),
  ];
  if (report.autocannon.length > 0) {
    lines.push('', 'autocannon, HTTP/1.1 + mutual TLS, one agent per connection:');
    lines.push(
      ...table([
        [
          'endpoint',
          'connections',
          'req/s',
          'p50 ms',
          'p99 ms',
          'max ms',
          'statuses',
          'errors',
          'timeouts',
          'srv cpu%',
          'pg cpu%',
          'load cpu%',
          'other%',
          'srv us/req',
        ],
        ...report.autocannon.map((a) => [
          a.endpoint,
          String(a.connections),
          a.perSecond.toFixed(0),
          String(a.latencyMs.p50),
          String(a.latencyMs.p99),
          String(a.latencyMs.max),
          Object.entries(a.statusCodes)
            .map(([code, n]) => `${code}:${n}`)
            .join(' ') || '-',
          String(a.transportErrors),
          String(a.timeouts),
          a.cpu.serverPercent.toFixed(0),
          a.cpu.postgresPercent.toFixed(0),
          a.cpu.loadPercent.toFixed(0),
          a.cpu.otherPercent.toFixed(0),
          a.ok > 0 ? (((a.cpu.serverPercent / 100) * a.seconds * 1e6) / a.ok).toFixed(0) : '-',
        ]),
      ]),
    );
  }
  if (report.probes) {
    lines.push(
      '',
      'bare probe h2-pg-replicate.mjs (core stream API + group commit), before and after ours:',
    );
    lines.push(
      ...table([
        ['run', 'in-flight', 'rep/s', 'p99 ms', 'srv us/rep', 'pg us/rep'],
        ...report.probes.replicate.flatMap((run, i) =>
          run.map((s) => [
            i === 0 ? 'before' : 'after',
            String(s.inflight),
            String(s.perSecond),
            String(s.p99Ms),
            String(s.serverCpuMicrosPerReplication),
            String(s.postgresCpuMicrosPerReplication),
          ]),
        ),
      ]),
    );
    lines.push(
      `bare probe h2-noop.mjs (core stream API): ${report.probes.noop.map((s) => `${s.inflight} in flight ${s.perSecond}/s ${s.serverCpuMicrosPerRequest} us/req`).join('; ')}`,
    );
  }
  if (report.simulator) {
    const s = report.simulator;
    lines.push(
      '',
      `smc simulate --rate ${s.rate}/s for ${s.seconds} s (${s.agents} agents, its own generator): ${s.perSecond}/s answered, ${s.failed} failed, p50 ${s.p50Ms ?? '-'} ms, p99 ${s.p99Ms ?? '-'} ms from schedule; server ${s.serverCpuMicrosPerReplication} us and PostgreSQL ${s.postgresCpuMicrosPerReplication} us of CPU per replication`,
    );
  }
  const h = report.headline;
  lines.push(
    '',
    `headline: sustained replications/s at p99 <= ${h.p99LimitMs} ms: ${h.replicate ? `${h.replicate.perSecond.toFixed(0)} (in-flight ${h.replicate.concurrency}, p99 ${h.replicate.p99Ms} ms)` : 'none held'}` +
      `; no-op: ${h.noop ? `${h.noop.perSecond.toFixed(0)} (in-flight ${h.noop.concurrency})` : 'none held'}` +
      `; ratio ${h.ratio ?? '-'}; target ${h.targetPerSecond}/s ${h.meetsTarget ? 'met' : 'NOT met'}`,
  );
  // The ratios to the bare probes are the headline: printed last, where a reader looks.
  if (report.ratios) lines.push('', ...renderRatios(report.ratios));
  return lines.join('\n');
}

function errorText(errors: Record<string, number>): string {
  const parts = Object.entries(errors).map(([key, n]) => `${key}:${n}`);
  return parts.length ? parts.join(' ') : '0';
}
