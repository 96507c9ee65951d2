import path from 'node:path';
import { createEnrollmentToken } from '../../simulator/identity/console-client.js';
import { DEFAULT_OS_MIX } from '../../simulator/profile/os-mix.js';
import { runSimulation } from '../../simulator/run/run-simulation.js';
import type { SimulationOptions, WorkloadMode } from '../../simulator/run/simulation-options.js';
import { parseTargetUrl } from '../../simulator/transport/target.js';
import { parseSlo } from '../../simulator/workload/slo.js';
import type { SizingPlan } from '../../sizing/index.js';
import { RunReporting } from '../cli/run-reporting.js';
import { startLocalServer } from './local-server.js';
import { judgeRehearsal, type RehearsalVerdict } from './verdict.js';

export interface RehearsalOptions {
  readonly capacityAgents: number;
  readonly fleetSeconds: number;
  readonly reportDir: string;
  readonly keep: boolean;
  readonly log: (line: string) => void;
}

/** SLOs the capacity search holds the server to (ours: an agent barely notices 250 ms). */
export const REHEARSAL_SLOS = ['p99<250ms', 'errors<0.1%'];

/** ours: one fleet interval plays in about this many wall seconds. */
const SECONDS_PER_COMPRESSED_INTERVAL = 15;

/**
 * The rehearsal: the real server in a child process on an embedded PostgreSQL, a capacity
 * search, then the plan's fleet at its interval (time-compressed, every log verified).
 */
export async function runRehearsal(
  plan: SizingPlan,
  options: RehearsalOptions,
): Promise<{ verdict: RehearsalVerdict; reports: string[] }> {
  const server = await startLocalServer({
    intervalSeconds: plan.replication.intervalSeconds,
    log: options.log,
  });
  try {
    const target = { ...parseTargetUrl(server.ready.agentUrl, 'agentUrl'), caPem: server.caPem };
    const console = {
      url: server.ready.consoleUrl,
      adminToken: server.adminToken,
      caPem: server.caPem,
    };
    const enrollToken = await createEnrollmentToken(
      console,
      plan.input.clients + options.capacityAgents,
    );
    const identitiesDir = path.join(server.dataDir, 'identities');
    const base = (
      agents: number,
      mode: WorkloadMode,
      durationSeconds: number,
      timeScale: number,
    ): SimulationOptions => ({
      target,
      enrollToken,
      console,
      agents,
      shard: { index: 1, count: 1 },
      mode,
      durationSeconds,
      timeScale,
      seed: 1,
      identitiesDir,
      connection: 'persistent',
      timeoutMs: 10_000,
      lateThresholdMs: 1_000,
      behaviour: {
        seed: 1,
        osMix: DEFAULT_OS_MIX,
        logsPerReplication: 5,
        inventoryChangeRate: 0.01,
        taskResultRate: 1,
      },
      verify: mode.kind === 'fleet',
      onProgress: options.log,
    });
    const reports: string[] = [];

    // 1. Capacity: start at 100/s (or what the plan needs, if more), grow 1.8x per 3 s step,
    //    confirm a break: a handful of steps, well under a minute.
    options.log(
      `capacity search with ${options.capacityAgents} agents (SLOs ${REHEARSAL_SLOS.join(', ')})`,
    );
    const startRate = Math.max(100, plan.replication.requiredRatePerSecond);
    const capacityOptions = base(
      options.capacityAgents,
      {
        kind: 'capacity',
        search: {
          slos: REHEARSAL_SLOS.map((s) => parseSlo(s, 'slo')),
          startRate,
          maxRate: 20_000,
          growth: 1.8,
          stepSeconds: 3,
          lateThresholdMs: 1_000,
        },
      },
      120,
      1,
    );
    const capacityReporting = await RunReporting.prepare({
      threshold: [],
      json: path.join(options.reportDir, 'capacity.json'),
      html: path.join(options.reportDir, 'capacity.html'),
    });
    const capacityMetrics = capacityReporting.createRecorder(capacityOptions);
    const capacityOutcome = await runSimulation(capacityOptions, capacityMetrics);
    await capacityReporting.finish(capacityOptions, capacityOutcome, capacityMetrics, () => {});
    reports.push(path.join(options.reportDir, 'capacity.html'));
    const capacity = capacityOutcome.capacity?.highestHeldRate ?? 0;
    options.log(`capacity: ${capacity.toFixed(1)}/s held the SLOs`);

    // 2. The plan's fleet at its interval, compressed so an interval plays in ~15 s, but
    //    never past a quarter of the measured capacity: the first interval also opens every
    //    agent's TLS session, and this run checks behaviour (nothing lost), not the limit.
    const interval = plan.replication.intervalSeconds;
    const required = plan.replication.requiredRatePerSecond;
    const byTime = interval / SECONDS_PER_COMPRESSED_INTERVAL;
    const byCapacity = capacity > 0 ? (0.25 * capacity) / required : 1;
    const timeScale = Math.max(1, Math.min(byTime, byCapacity));
    options.log(
      `fleet run: ${plan.input.clients} agents at ${interval} s, time scale ${timeScale.toFixed(1)}x (${(required * timeScale).toFixed(1)}/s) for ${options.fleetSeconds} s`,
    );
    const fleetOptions = base(
      plan.input.clients,
      { kind: 'fleet', intervalSeconds: interval },
      options.fleetSeconds,
      timeScale,
    );
    const fleetReporting = await RunReporting.prepare({
      threshold: ['lost_logs==0'],
      json: path.join(options.reportDir, 'fleet.json'),
      html: path.join(options.reportDir, 'fleet.html'),
    });
    const fleetMetrics = fleetReporting.createRecorder(fleetOptions);
    const fleetOutcome = await runSimulation(fleetOptions, fleetMetrics);
    const fleet = await fleetReporting.finish(fleetOptions, fleetOutcome, fleetMetrics);
    reports.push(path.join(options.reportDir, 'fleet.html'));

    return {
      verdict: judgeRehearsal(plan, capacity, fleet.result.derived.logs.lost ?? null),
      reports,
    };
  } finally {
    await server.stop({ keep: options.keep });
    if (options.keep) options.log(`kept ${server.dataDir}`);
  }
}
