/**
 * npm run bench:workers — `smc serve --workers N` against `--workers 1` on this machine.
 *
 * For each N, the built `smc serve --workers N` runs as a child process (a primary and N
 * agent-plane worker processes on one port, embedded PostgreSQL, fsync on), and bench:server's
 * own load process (forked, closed model, one HTTP/2 mutual-TLS session per agent) enrolls the
 * agents and steps the in-flight concurrency against /v1/replicate until p99 passes the limit.
 * Server CPU is the primary's plus every worker's (/proc/PID/stat), PostgreSQL's is our
 * cluster's. Prints a table, the rate ratio to one worker as the headline, and writes JSON
 * (benchmarks/results/workers.json). Everything listens on 127.0.0.1; every step is bounded.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cpuBetween, cpuSnapshot } from './lib/server-cpu.js';
import { LoadProcess } from './lib/server-load-process.js';
import type { SetupTimings } from './lib/server-messages.js';
import type { LatencySummary, StepPlan } from './lib/server-step.js';
import { table } from './lib/text-table.js';
import {
  microsPerReplication,
  round,
  scaling,
  searchGoesOn,
  sustainedStep,
} from './lib/workers-figures.js';
import { busyNow, machineBlock, postgresVersionIn } from './lib/workers-machine.js';
import {
  parseWorkersBenchOptions,
  WORKERS_USAGE,
  type WorkersBenchOptions,
} from './lib/workers-options.js';
import { cpuTicksOf, TICKS_PER_SECOND, ticksBetween } from './lib/workers-proc.js';
import { onInterrupt, ServeChild } from './lib/workers-serve.js';

const REQUEST_TIMEOUT_MS = 10_000;
const ENROLL_CONCURRENCY = 16;

interface WorkersStep {
  readonly concurrency: number;
  readonly seconds: number;
  readonly ok: number;
  readonly perSecond: number;
  readonly p99Ms: number;
  readonly latencyMs: LatencySummary;
  readonly errorCount: number;
  readonly errors: Record<string, number>;
  readonly impossibleAcks: number;
  /** In % of one core: the primary plus every worker. */
  readonly serverCpuPercent: number;
  readonly postgresCpuPercent: number;
  readonly loadCpuPercent: number;
  /** All cores, everyone (others' jobs included). */
  readonly machineBusyPercent: number;
  readonly serverCpuMicrosPerReplication: number;
  readonly postgresCpuMicrosPerReplication: number;
}

interface WorkersRun {
  readonly workers: number;
  readonly serverPids: readonly number[];
  readonly setup: SetupTimings;
  readonly steps: readonly WorkersStep[];
  readonly sustained: {
    readonly concurrency: number;
    readonly perSecond: number;
    readonly p99Ms: number;
    readonly serverCpuMicrosPerReplication: number;
    readonly postgresCpuMicrosPerReplication: number;
  } | null;
}

async function main(): Promise<void> {
  let options: WorkersBenchOptions;
  try {
    options = parseWorkersBenchOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${WORKERS_USAGE}`);
    process.exitCode = 2;
    return;
  }
  const began = performance.now();
  const busyBeforeStartPercent = await busyNow();
  let server: ServeChild | undefined;
  let load: LoadProcess | undefined;
  const cleanup = async () => {
    await load?.stop().catch(() => {});
    await server?.stop().catch((error: unknown) => console.error(`stopping: ${String(error)}`));
  };
  const forget = onInterrupt(cleanup);
  const runs: WorkersRun[] = [];
  let postgres = '?';
  try {
    for (const workers of options.workers) {
      console.error(`smc serve --workers ${workers}: starting on embedded PostgreSQL`);
      server = await ServeChild.start({ workers, label: `workers-${workers}` });
      postgres = await postgresVersionIn(path.join(server.folder, 'data'));
      const running = server;
      load = new LoadProcess();
      const loader = load;
      console.error(
        `server pids ${running.serverPids.join(', ')}; load process ${loader.pid}: enrolling ${options.agents} agents`,
      );
      const { timings } = await loader.request(
        {
          type: 'setup',
          agentUrl: running.ready.agentUrl,
          caPem: running.caPem,
          token: await running.enrollmentToken(options.agents),
          agents: options.agents,
          enrollConcurrency: ENROLL_CONCURRENCY,
          newLogs: options.newLogs,
          timeoutMs: REQUEST_TIMEOUT_MS,
        },
        'ready',
        600_000,
      );
      const steps: WorkersStep[] = [];
      for (const concurrency of options.concurrencies) {
        if (!searchGoesOn(steps, options.p99LimitMs)) break;
        const step = await measureStep(loader, running, {
          endpoint: 'replicate',
          concurrency,
          warmupMs: options.warmupSeconds * 1_000,
          durationMs: options.stepSeconds * 1_000,
          newLogs: options.newLogs,
          timeoutMs: REQUEST_TIMEOUT_MS,
        });
        steps.push(step);
        console.error(
          `workers ${workers} x${String(concurrency).padStart(4)}: ${step.perSecond.toFixed(0)}/s, p99 ${step.p99Ms} ms, errors ${step.errorCount}, server CPU ${step.serverCpuPercent} %, PostgreSQL ${step.postgresCpuPercent} %`,
        );
      }
      const best = sustainedStep(steps, options.p99LimitMs);
      runs.push({
        workers,
        serverPids: running.serverPids,
        setup: timings,
        steps,
        sustained: best
          ? {
              concurrency: best.concurrency,
              perSecond: best.perSecond,
              p99Ms: best.p99Ms,
              serverCpuMicrosPerReplication: best.serverCpuMicrosPerReplication,
              postgresCpuMicrosPerReplication: best.postgresCpuMicrosPerReplication,
            }
          : null,
      });
      await loader.stop();
      load = undefined;
      await running.stop();
      server = undefined;
    }
    const headline = scaling(
      runs.map((run) => ({ workers: run.workers, perSecond: run.sustained?.perSecond ?? null })),
    );
    const report = {
      benchmark: 'workers',
      date: new Date().toISOString(),
      command: `npm run bench:workers${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      machine: { ...(await machineBlock(busyBeforeStartPercent)), postgres },
      setup: {
        model: `closed: N replications in flight, each on a different agent; ${options.warmupSeconds} s warm-up then ${options.stepSeconds} s measured per step; latency of 200 answers, HDR histogram; steps stop at the first p99 over ${options.p99LimitMs} ms`,
        server:
          'the built `smc serve --workers N --no-push` as a child process, embedded PostgreSQL (fsync on); CPU = primary + all workers, from /proc/PID/stat',
        sessions: 'one HTTP/2 mutual-TLS session per agent (each agent has its own certificate)',
        agents: options.agents,
        newLogsPerReplication: options.newLogs,
        p99LimitMs: options.p99LimitMs,
      },
      runs,
      headline: headline.map((h) => ({
        ...h,
        perSecond: runs.find((r) => r.workers === h.workers)?.sustained?.perSecond ?? null,
      })),
      totalSeconds: Math.round((performance.now() - began) / 1_000),
    };
    await mkdir(path.dirname(options.out), { recursive: true });
    await writeFile(options.out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(render(runs, headline, options.p99LimitMs));
    console.log(`\nwritten: ${path.relative(process.cwd(), options.out)}`);
  } finally {
    forget();
    await cleanup();
  }
}

/** One step of the load process, with the server side read at the measured window's edges. */
async function measureStep(
  loader: LoadProcess,
  server: ServeChild,
  plan: StepPlan,
): Promise<WorkersStep> {
  const parties = { postmasterPid: server.postmasterPid, loadPid: loader.pid ?? -1 };
  const snapshot = async () => {
    const [ticks, cpu] = await Promise.all([cpuTicksOf(server.serverPids), cpuSnapshot(parties)]);
    return { ticks, cpu };
  };
  let atStart: ReturnType<typeof snapshot> | undefined;
  let atEnd: ReturnType<typeof snapshot> | undefined;
  loader.onWindow = (edge) => {
    if (edge === 'window-start') atStart = snapshot();
    else atEnd = snapshot();
  };
  const { result } = await loader.request(
    { type: 'step', plan },
    'step-result',
    plan.warmupMs + plan.durationMs + plan.timeoutMs + 30_000,
  );
  if (!atStart || !atEnd) throw new Error(`step x${plan.concurrency}: no measured window`);
  const [before, after] = await Promise.all([atStart, atEnd]);
  const seconds = Math.max(1e-3, (after.cpu.at - before.cpu.at) / 1_000);
  const serverTicks = ticksBetween(before.ticks, after.ticks);
  const cpu = cpuBetween(before.cpu, after.cpu, os.cpus().length);
  const requests = result.ok + result.errorCount;
  const postgresTicks = (cpu.postgresPercent / 100) * seconds * TICKS_PER_SECOND;
  return {
    concurrency: result.concurrency,
    seconds: result.seconds,
    ok: result.ok,
    perSecond: result.perSecond,
    p99Ms: result.latencyMs.p99,
    latencyMs: result.latencyMs,
    errorCount: result.errorCount,
    errors: result.errors,
    impossibleAcks: result.impossibleAcks,
    serverCpuPercent: round((serverTicks / TICKS_PER_SECOND / seconds) * 100, 1),
    postgresCpuPercent: cpu.postgresPercent,
    loadCpuPercent: cpu.loadPercent,
    machineBusyPercent: cpu.machineBusyPercent,
    serverCpuMicrosPerReplication: microsPerReplication(serverTicks, TICKS_PER_SECOND, requests),
    postgresCpuMicrosPerReplication: microsPerReplication(
      postgresTicks,
      TICKS_PER_SECOND,
      requests,
    ),
  };
}

function render(
  runs: readonly WorkersRun[],
  headline: ReturnType<typeof scaling>,
  p99LimitMs: number,
): string {
  const rows = [
    [
      'workers',
      'in-flight',
      'repl/s',
      'p50 ms',
      'p99 ms',
      'errors',
      'srv cpu%',
      'pg cpu%',
      'load cpu%',
      'box busy%',
      'srv us/repl',
      'pg us/repl',
    ],
  ];
  for (const run of runs) {
    for (const s of run.steps) {
      rows.push([
        String(run.workers),
        String(s.concurrency),
        s.perSecond.toFixed(0),
        String(s.latencyMs.p50),
        String(s.p99Ms),
        String(s.errorCount),
        String(s.serverCpuPercent),
        String(s.postgresCpuPercent),
        String(s.loadCpuPercent),
        String(s.machineBusyPercent),
        String(s.serverCpuMicrosPerReplication),
        String(s.postgresCpuMicrosPerReplication),
      ]);
    }
  }
  const lines = table(rows);
  lines.push('', `held at p99 <= ${p99LimitMs} ms:`);
  for (const run of runs) {
    const s = run.sustained;
    const h = headline.find((x) => x.workers === run.workers);
    lines.push(
      s
        ? `  --workers ${run.workers}: ${s.perSecond.toFixed(0)}/s at ${s.concurrency} in flight (p99 ${s.p99Ms} ms), ${h?.perWorker ?? '-'}/s per worker, ratio to 1 worker ${h?.ratio ?? '-'}; server ${s.serverCpuMicrosPerReplication} us and PostgreSQL ${s.postgresCpuMicrosPerReplication} us CPU per replication`
        : `  --workers ${run.workers}: no step held the limit`,
    );
  }
  return lines.join('\n');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
