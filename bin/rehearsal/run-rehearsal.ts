import path from 'node:path';
import { createEnrollmentToken } from '../../simulator/identity/console-client.js';
import { DEFAULT_OS_MIX } from '../../simulator/profile/os-mix.js';
import { deviceOutcomeLine } from '../../simulator/run/devices-only-run.js';
import {
  type DeviceSimulationOutcome,
  runDeviceSimulation,
} from '../../simulator/run/run-device-simulation.js';
import { runSimulation } from '../../simulator/run/run-simulation.js';
import type { SimulationOptions, WorkloadMode } from '../../simulator/run/simulation-options.js';
import { parseTargetUrl } from '../../simulator/transport/target.js';
import { parseSlo } from '../../simulator/workload/slo.js';
import type { SizingPlan } from '../../sizing/index.js';
import { RunReporting } from '../cli/run-reporting.js';
import { holdFor } from './hold.js';
import { type LocalConnector, startLocalConnector } from './local-connector.js';
import { startLocalServer } from './local-server.js';
import { REHEARSAL_DEVICE_INTERVAL_SECONDS, rehearsalDeviceOptions } from './rehearsal-devices.js';
import { RehearsalFeed } from './rehearsal-feed.js';
import { judgeRehearsal, type RehearsalVerdict } from './verdict.js';

export interface RehearsalOptions {
  readonly capacityAgents: number;
  readonly fleetSeconds: number;
  readonly reportDir: string;
  readonly keep: boolean;
  /** Seconds the server stays up after the verdict, so the console can still be read. */
  readonly holdSeconds: number;
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
): Promise<{ verdict: RehearsalVerdict; reports: string[]; devices?: DeviceSimulationOutcome }> {
  const server = await startLocalServer({
    intervalSeconds: plan.replication.intervalSeconds,
    log: options.log,
    reportsDir: options.reportDir,
  });
  const console = {
    url: server.ready.consoleUrl,
    adminToken: server.adminToken,
    caPem: server.caPem,
  };
  const feed = new RehearsalFeed(console, plan);
  // Started once the server is up, when the plan has mobile devices.
  let connector: LocalConnector | undefined;
  // The connector relays to the server: it stops first, then the server.
  const stopChildren = async () => {
    await connector?.stop({ keep: options.keep });
    await server.stop({ keep: options.keep });
  };
  // A signal mid-run must not orphan the server or connector child (and their PostgreSQL).
  const interrupted = (signal: NodeJS.Signals) => {
    options.log(`${signal}: stopping the rehearsal server${connector ? ' and connector' : ''}`);
    feed.stop();
    void stopChildren().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const target = { ...parseTargetUrl(server.ready.agentUrl, 'agentUrl'), caPem: server.caPem };
    feed.start();
    options.log(
      `watch it live: ${server.ready.consoleUrl}/#/rehearsal (sign in with the admin token in ${server.ready.adminTokenFile}; the certificate is from ${server.ready.caFile})`,
    );
    const enrollToken = await createEnrollmentToken(
      console,
      plan.input.clients + options.capacityAgents,
    );
    const mobileDevices = plan.input.mobileDevices;
    let deviceToken: string | undefined;
    if (mobileDevices > 0) {
      connector = await startLocalConnector({
        server: {
          agentUrl: server.ready.agentUrl,
          caFile: server.ready.caFile,
          consoleUrl: server.ready.consoleUrl,
          adminTokenFile: server.ready.adminTokenFile,
        },
        checkInIntervalSeconds: REHEARSAL_DEVICE_INTERVAL_SECONDS,
        log: options.log,
      });
      deviceToken = await connector.createDeviceToken(mobileDevices);
    }
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
    const capacityMetrics = capacityReporting.createRecorder(capacityOptions, (second) =>
      feed.addSecond(second),
    );
    const capacityOutcome = await runSimulation(capacityOptions, capacityMetrics);
    await capacityReporting.finish(capacityOptions, capacityOutcome, capacityMetrics, () => {});
    reports.push(path.join(options.reportDir, 'capacity.html'));
    feed.setCapacitySteps(capacityOutcome.capacity?.curve ?? []);
    feed.addReport('capacity.html');
    feed.setPhase('fleet');
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
    const fleetMetrics = fleetReporting.createRecorder(fleetOptions, (second) =>
      feed.addSecond(second),
    );
    // The phones play beside the agents on the same recorder: one report for both planes.
    const devicesRun =
      connector && deviceToken
        ? rehearsalDeviceOptions({
            connector,
            enrollToken: deviceToken,
            devices: mobileDevices,
            durationSeconds: options.fleetSeconds,
            timeScale,
            log: options.log,
          })
        : undefined;
    if (devicesRun)
      options.log(
        `devices: ${mobileDevices} at ${REHEARSAL_DEVICE_INTERVAL_SECONDS} s, same time scale, beside the fleet`,
      );
    const [agentOutcome, devices] = await Promise.all([
      runSimulation(fleetOptions, fleetMetrics),
      devicesRun ? runDeviceSimulation(devicesRun, fleetMetrics) : undefined,
    ]);
    const fleetOutcome = { ...agentOutcome, ...(devices ? { devices } : {}) };
    const fleet = await fleetReporting.finish(fleetOptions, fleetOutcome, fleetMetrics);
    if (devices) options.log(deviceOutcomeLine(devices));
    reports.push(path.join(options.reportDir, 'fleet.html'));
    feed.addReport('fleet.html');

    const verdict = judgeRehearsal(plan, capacity, fleet.result.derived.logs.lost ?? null);
    await feed.finish(verdict);
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    if (options.holdSeconds > 0) {
      options.log(
        `verdict ${verdict.verdict}; the console stays up for ${options.holdSeconds} s at ${server.ready.consoleUrl}/#/rehearsal (Ctrl-C ends it)`,
      );
      await holdFor(options.holdSeconds);
    }
    return { verdict, reports, ...(devices ? { devices } : {}) };
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    feed.stop();
    await stopChildren();
    if (options.keep)
      options.log(`kept ${server.dataDir}${connector ? ` and ${connector.dataDir}` : ''}`);
  }
}
