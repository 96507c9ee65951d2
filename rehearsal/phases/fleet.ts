import type { StatsResponse } from '../../protocol/index.js';
import { consoleCall } from '../../simulator/identity/console-client.js';
import type { JsonValue, RunResult } from '../../simulator/metrics/contract.js';
import type { RehearsalContext } from '../context.js';
import type { FleetFindings } from '../findings.js';
import type { FleetPace } from '../fleet-pace.js';
import { runPoolPhase } from '../generator/phase-run.js';
import { type TaskDeliveryFigures, taskDeliveryLine } from '../generator/task-delivery.js';
import { ProcessWatch } from '../process-watch.js';

export interface FleetOutcome {
  readonly findings: FleetFindings;
  readonly result: RunResult;
}

/**
 * The measured window: the plan's whole fleet on its persistent sessions at the plan's
 * interval, time-compressed so every agent replicates at least three times. Latency counts
 * from each agent's scheduled time; the server's and PostgreSQL's CPU per replication comes
 * from /proc over the same window.
 */
export async function playFleet(
  context: RehearsalContext,
  pace: FleetPace,
  beside?: () => Promise<unknown>,
): Promise<FleetOutcome> {
  const { plan } = context;
  const interval = plan.replication.intervalSeconds;
  context.feed.setPhase('fleet');
  context.log(
    `fleet run: ${context.agents.toLocaleString('en-US')} agents at ${interval} s, time scale ${pace.timeScale.toFixed(1)}x (${Math.round(pace.ratePerSecond)}/s, ${Math.round(pace.capacityShare * 100)} % of the capacity held) for ${Math.round(pace.windowSeconds)} s: every agent ${pace.replicationsPerAgent}+ times`,
  );
  await settleInterval(context);
  const before = await context.watch.read();
  const [{ value: played, result }] = await Promise.all([
    runPoolPhase(
      context.pool,
      {
        mode: 'fleet',
        intervalSeconds: interval,
        timeScale: pace.timeScale,
        options: { fleetAgents: context.agents, durationSeconds: pace.windowSeconds },
      },
      (play) =>
        play(
          () => ({
            kind: 'fleet',
            intervalSeconds: interval,
            timeScale: pace.timeScale,
            seconds: pace.windowSeconds,
          }),
          'fleet run',
        ),
    ),
    beside?.(),
  ]);
  const spent = ProcessWatch.spent(before, await context.watch.read());
  const cpuMs = (seconds: number) => (played.ok > 0 ? (seconds * 1_000) / played.ok : null);
  const findings: FleetFindings = {
    agents: context.agents,
    timeScale: pace.timeScale,
    windowSeconds: pace.windowSeconds,
    ratePerSecond: pace.ratePerSecond,
    capacityShare: pace.capacityShare,
    completed: played.completed,
    failed: played.failed,
    late: played.late,
    errorRatio: played.errorRatio,
    lateRatio: played.completed > 0 ? played.late / played.completed : 0,
    p99Ms: played.percentile(99),
    intervalsCovered: (played.seconds * pace.timeScale) / interval,
    minReplicationsPerAgent: played.minReplicationsPerAgent,
    meanReplicationsPerAgent: played.meanReplicationsPerAgent,
    serverCpuMsPerReplication: cpuMs(spent.serverSeconds),
    databaseCpuMsPerReplication: cpuMs(spent.databaseSeconds),
    generator: { limited: played.generatorLimited ?? false, reasons: played.generatorReasons },
    machineStarved: ProcessWatch.starved(spent),
    taskDelivery: played.taskDelivery ?? null,
  };
  for (const failure of played.failures)
    context.log(`  fleet run failures: ${failure.count} x ${failure.reason}`);
  context.log(
    `fleet run: ${played.ok.toLocaleString('en-US')} ok, ${played.failed} failed, p99 from schedule ${Math.round(findings.p99Ms)} ms, ${findings.minReplicationsPerAgent}-${findings.meanReplicationsPerAgent.toFixed(1)} replications per agent; server ${findings.serverCpuMsPerReplication?.toFixed(3) ?? '?'} ms + PostgreSQL ${findings.databaseCpuMsPerReplication?.toFixed(3) ?? '?'} ms CPU per replication${findings.generator.limited ? '; the generator was saturated' : ''}${findings.machineStarved ? `; the server waited for a core ${Math.round(spent.serverWaitShare * 100)} % of the time` : ''}`,
  );
  const delivery = played.taskDelivery;
  if (delivery) context.log(`fleet run: ${taskDeliveryLine(delivery)}`);
  // The fleet report (JSON and HTML) carries it beside the replication figures.
  const reported: RunResult = delivery
    ? {
        ...result,
        meta: {
          ...result.meta,
          options: { ...result.meta.options, taskDelivery: jsonOf(delivery) },
        },
      }
    : result;
  return { findings, result: reported };
}

const jsonOf = (value: TaskDeliveryFigures): JsonValue =>
  JSON.parse(JSON.stringify(value)) as JsonValue;

/** ours: a stretch this close to 1 tells agents the plan's own interval. */
const SETTLED_STRETCH = 1.05;
const SETTLE_MAX_MS = 60_000;

/**
 * After the capacity search the server's adaptive interval is stretched (it asks agents to
 * come back later while it is near capacity) and shrinks back slowly. The fleet run is about
 * the plan's interval: it starts once the server tells that interval again.
 */
async function settleInterval(context: RehearsalContext): Promise<void> {
  const deadline = Date.now() + SETTLE_MAX_MS;
  let logged = false;
  for (;;) {
    const stats = await consoleCall<StatsResponse>(context.console, 'GET', '/api/stats');
    if (stats.interval.stretch <= SETTLED_STRETCH || Date.now() > deadline) {
      if (logged)
        context.log(`the server's interval is back to ${stats.interval.currentSeconds} s`);
      return;
    }
    if (!logged) {
      context.log(
        `waiting for the server's adaptive interval to settle after the capacity search (stretched ${stats.interval.stretch.toFixed(2)}x)`,
      );
      logged = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
