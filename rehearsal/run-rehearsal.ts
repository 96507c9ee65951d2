import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { ConsoleEndpoint } from '../simulator/identity/console-client.js';
import type { RunResult } from '../simulator/metrics/contract.js';
import { createRunMetrics } from '../simulator/metrics/run-metrics.js';
import { DEFAULT_OS_MIX } from '../simulator/profile/os-mix.js';
import { deviceOutcomeLine } from '../simulator/run/devices-only-run.js';
import {
  type DeviceSimulationOutcome,
  runDeviceSimulation,
} from '../simulator/run/run-device-simulation.js';
import { parseTargetUrl } from '../simulator/transport/target.js';
import type { SizingPlan } from '../sizing/index.js';
import { type AfterRollout, afterRolloutScenario } from './after-rollout.js';
import { type LocalConnector, startLocalConnector } from './children/local-connector.js';
import { type LocalServer, startLocalServer } from './children/local-server.js';
import type { RehearsalContext } from './context.js';
import { REHEARSAL_DEVICE_INTERVAL_SECONDS, rehearsalDeviceOptions } from './devices.js';
import {
  checkFeasible,
  checkSessionsFit,
  FILES_BESIDES_SESSIONS,
  serverWorkersFor,
} from './feasibility.js';
import { RehearsalFeed } from './feed.js';
import type { RehearsalFindings, SessionFindings } from './findings.js';
import { chooseFleetPace } from './fleet-pace.js';
import { GeneratorPool } from './generator/pool.js';
import { RehearsalIdentities } from './identities.js';
import { type MachineRecord, recordMachine } from './machine.js';
import { findCapacity } from './phases/capacity.js';
import { drainAndVerify } from './phases/drain.js';
import { playFleet } from './phases/fleet.js';
import { provisionFleet } from './phases/identities.js';
import { seedDatabase } from './phases/seed.js';
import { playStorm } from './phases/storm.js';
import { warmUp } from './phases/warm-up.js';
import { openFilesLimit } from './proc.js';
import { ProcessWatch } from './process-watch.js';
import { PhaseProgress } from './progress.js';
import { type Projection, projectOntoPlan } from './projection.js';
import { withRehearsalRecord, writePhaseReport } from './reports.js';
import { judgeRehearsal, type RehearsalVerdict } from './verdict.js';

export interface RehearsalOptions {
  readonly reportDir: string;
  /** Keep the temporary server folder (database, PKI) for a look afterwards. */
  readonly keep: boolean;
  readonly log: (line: string) => void;
  /** Agents that drive the capacity search. @default min(clients, 2,000) */
  readonly capacityAgents?: number;
  /** The capacity search stops here even if nothing broke. @default MAX_CAPACITY_RATE */
  readonly maxRatePerSecond?: number;
  /** Generator processes. @default one per core */
  readonly generators?: number;
  /** Length of the measured fleet run; the time scale follows. @default chosen from capacity */
  readonly fleetSeconds?: number;
  /** The storm's window. @default the plan's jitter window (its peak's own assumption) */
  readonly stormWindowSeconds?: number;
  /** Warm-up pace (new sessions per second). @default WARM_UP_RATE */
  readonly warmUpRatePerSecond?: number;
  /** History seeded per client before measuring. @default LOGS_PER_CLIENT */
  readonly logsPerClient?: number;
  /** Reuse (and keep) the fleet's identities and the CA that signed them. */
  readonly identitiesDir?: string;
  /**
   * Server processes (`smc serve --workers`). @default 1 while the sessions fit one process's
   * open-files limit, else as many as they need (serverWorkersFor)
   */
  readonly serverWorkers?: number;
  /** More `smc serve` flags for the server child (tests slow it on purpose). */
  readonly serverArgs?: readonly string[];
  /**
   * Wake-ups during the fleet run: push sessions on the server's embedded broker and task
   * probes measuring task delivery latency. Nothing happens when the server runs no broker
   * (`--server-arg --no-push`). @default true
   */
  readonly wakeups?: boolean;
  /** Aborting stops the generators and children; the rehearsal then rejects. */
  readonly signal?: AbortSignal;
  /** Called with the verdict while the server is still up (e.g. to keep the console open). */
  readonly beforeStop?: (verdict: RehearsalVerdict, consoleUrl: string) => Promise<void>;
}

export interface RehearsalOutcome {
  readonly verdict: RehearsalVerdict;
  readonly findings: RehearsalFindings;
  readonly machine: MachineRecord;
  readonly projection: Projection | null;
  /** Merged results of the measured phases (fleet.json etc. hold the same). */
  readonly results: {
    readonly capacity?: RunResult;
    readonly fleet?: RunResult;
    readonly storm?: RunResult;
  };
  readonly reports: readonly string[];
  readonly afterRollout: AfterRollout | null;
  readonly devices?: DeviceSimulationOutcome;
  readonly seconds: number;
}

/** ours: the guide's 5,000-client test case stores about 30 logs per client. */
export const LOGS_PER_CLIENT = 30;
/** ours: the most new sessions per second in the warm-up (32 in flight per generator bound it too). */
export const WARM_UP_RATE = 1_000;
/**
 * ours: one probe task a second over the fleet, 10 agents each: a few hundred latencies in a
 * fleet run of minutes, and a load on the console API no server notices.
 */
const PROBE_EVERY_MS = 1_000;
const PROBE_TARGETS = 10;
/** ours: agents holding a push session in the fleet run, over all generators (the probe's targets). */
export const PUSH_SESSIONS_SAMPLED = 1_000;
/** ours: every server we run holds this; starting lower only adds steps. */
export const START_RATE = 200;
/** ours: far past anything one server process holds (~5,000/s bare, DESIGN's ceilings). */
export const MAX_CAPACITY_RATE = 50_000;
/** ours: enough agents that no one agent replicates faster than a few times a second. */
export const CAPACITY_AGENTS = 2_000;

/**
 * A rehearsal: the real server (`smc serve`) in a child process on its own embedded
 * PostgreSQL, and the plan's whole fleet played by one generator process per core. Phases:
 * enroll, warm-up (every session opened, unmeasured), the database filled to the plan's
 * steady state, a capacity search bisected to a bracket, the measured fleet run, a reconnect
 * storm, a drain and a check of every acknowledged log. The verdict comes from what each
 * phase measured (verdict.ts).
 */
export async function runRehearsal(
  plan: SizingPlan,
  options: RehearsalOptions,
): Promise<RehearsalOutcome> {
  const started = performance.now();
  const { log } = options;
  const clients = plan.input.clients;
  const machine = await recordMachine();
  checkFeasible(clients, machine);
  const ownOpenFiles = await openFilesLimit();
  const serverWorkers =
    options.serverWorkers ?? serverWorkersFor(clients, ownOpenFiles, machine.cores);
  checkSessionsFit(clients, ownOpenFiles, serverWorkers);
  log(
    `machine: ${machine.cores} cores (${machine.cpuModel}), ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB, load ${machine.loadAverage.join(' ')}`,
  );
  const cache = options.identitiesDir ? new RehearsalIdentities(options.identitiesDir) : undefined;
  const reusePki = cache ? await cache.hasPki() : false;
  const server = await startLocalServer({
    intervalSeconds: plan.replication.intervalSeconds,
    log,
    reportsDir: options.reportDir,
    ...(reusePki && cache ? { pki: (dir: string) => cache.installPki(dir) } : {}),
    extraArgs: [
      ...(serverWorkers > 1 ? ['--workers', String(serverWorkers)] : []),
      ...(options.serverArgs ?? []),
    ],
  });
  if (serverWorkers > 1)
    log(
      `server: ${serverWorkers} worker processes (smc serve --workers ${serverWorkers}), ${options.serverWorkers !== undefined ? 'as asked (--server-workers)' : `since one may hold ${(ownOpenFiles ?? 0).toLocaleString('en-US')} open files here and every session is one`}`,
    );
  const console: ConsoleEndpoint = {
    url: server.ready.consoleUrl,
    adminToken: server.adminToken,
    caPem: server.caPem,
  };
  const serverOpenFiles = await openFilesLimit(server.ready.pid);
  if (
    serverOpenFiles !== null &&
    clients + FILES_BESIDES_SESSIONS * serverWorkers > serverOpenFiles * serverWorkers
  )
    log(
      `note: a server process may hold ${serverOpenFiles.toLocaleString('en-US')} open files here (ulimit -n) and every session is one: ${serverWorkers === 1 ? 'one process' : `${serverWorkers} processes`} cannot keep all ${clients.toLocaleString('en-US')} sessions, so the verdict can be INCONCLUSIVE at best. Rehearse up to ${(Math.max(0, serverOpenFiles - FILES_BESIDES_SESSIONS) * serverWorkers).toLocaleString('en-US')} clients here, give more --server-workers, or run smc serve where the limit is higher (smc's systemd units allow 1,048,576) and play the fleet with smc simulate --shard i/n from several machines`,
    );
  const feed = new RehearsalFeed(console, plan);
  const progress = new PhaseProgress(log);
  feed.onPhase = (phase) => progress.begin(phase === 'capacity' ? '' : phase);
  let connector: LocalConnector | undefined;
  let pool: GeneratorPool | undefined;
  let stopping: Promise<void> | undefined;
  const stopAll = () => {
    stopping ??= (async () => {
      feed.stop();
      await pool?.stop();
      await connector?.stop({ keep: options.keep });
      await server.stop({ keep: options.keep });
    })();
    return stopping;
  };
  const onAbort = () => void stopAll();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (cache && !reusePki) await cache.keepPki(path.join(server.dataDir, 'server', 'pki'));
    feed.start();
    log(
      `watch it live: ${server.ready.consoleUrl}/#/rehearsal (sign in with the admin token in ${server.ready.adminTokenFile}; the certificate is from ${server.ready.caFile})`,
    );
    const target = { ...parseTargetUrl(server.ready.agentUrl, 'agentUrl'), caPem: server.caPem };
    const processes = await generatorProcesses(clients, options.generators, log);
    const pushUrl = options.wakeups === false ? undefined : server.ready.pushUrl;
    if (options.wakeups !== false && !pushUrl)
      log('wake-ups: the server runs no push broker, so no task delivery latency is measured');
    pool = await GeneratorPool.start({
      processes,
      agents: clients,
      setup: (slice, shard) => ({
        target,
        shard,
        first: slice.first,
        count: slice.count,
        timeoutMs: 10_000,
        lateThresholdMs: 1_000,
        behaviour: {
          seed: 1,
          osMix: DEFAULT_OS_MIX,
          logsPerReplication: 5,
          inventoryChangeRate: 0.01,
          taskResultRate: 1,
        },
        seed: 1,
        ...(pushUrl
          ? {
              wakeups: {
                pushUrl,
                // A sample, not the fleet: every push session is one more open file on the
                // broker (one server process) and on the generator, and 20,000+ of them would
                // not fit beside the agent sessions here. The latency needs only the probed.
                sessions: Math.ceil(Math.min(clients, PUSH_SESSIONS_SAMPLED) / processes),
                console,
                // The fleet's pace of probe tasks, shared by the generators.
                probeEveryMs: PROBE_EVERY_MS * Math.max(1, Math.min(processes, clients)),
                probeTargets: PROBE_TARGETS,
              },
            }
          : {}),
      }),
      onSecond: (sample) => {
        feed.addSecond(sample);
        progress.add(sample);
      },
    });
    let context: RehearsalContext = {
      plan,
      agents: clients,
      pool,
      watch: new ProcessWatch(
        server.ready.pid,
        () => pool?.pids ?? [],
        () => server.ready.workers ?? [],
      ),
      console,
      feed,
      agentPort: Number(new URL(server.ready.agentUrl).port),
      agentHost: new URL(server.ready.agentUrl).hostname,
      log,
    };

    // 1. Identities, sessions, a database of the deployment's size: nothing measured yet.
    const identities = await provisionFleet(context, cache, {
      caPem: server.caPem,
      agentUrl: server.ready.agentUrl,
    });
    const warm = await warmUp(context, options.warmUpRatePerSecond ?? WARM_UP_RATE);
    if (warm.findings.sessionsOpened < clients) {
      const kept = await pool.all<{ kept: number }>({ op: 'keep-opened' });
      const agents = kept.reduce((sum, reply) => sum + reply.kept, 0);
      context = { ...context, agents };
      log(
        agents < clients
          ? `${(clients - agents).toLocaleString('en-US')} agents never got a session: the measured phases play the ${agents.toLocaleString('en-US')} that did (the verdict cannot pass)`
          : `every agent replicated once, but only ${warm.findings.sessionsOpened.toLocaleString('en-US')} sessions stayed open: the rest reconnect when they replicate next (the verdict cannot pass)`,
      );
    }
    const database = await seedDatabase(context, options.logsPerClient ?? LOGS_PER_CLIENT);

    // 2. Capacity, with every session held.
    const capacityAgents = Math.min(clients, options.capacityAgents ?? CAPACITY_AGENTS);
    const required = plan.replication.requiredRatePerSecond;
    const capacity = await findCapacity(context, {
      agents: capacityAgents,
      startRate: Math.max(START_RATE, 2 * required),
      // The plan's own rate is the lowest worth knowing about.
      minRate: required,
      maxRate: Math.max(options.maxRatePerSecond ?? MAX_CAPACITY_RATE, START_RATE, 2 * required),
    });
    const reports: string[] = [];
    reports.push(...(await writePhaseReport(options.reportDir, 'capacity', capacity.result)));
    feed.addReport('capacity.html');

    // 3. The fleet run, the storm, the drain: only when the server held the plan's rate.
    const held = capacity.findings.heldPerSecond;
    const playable = held !== null && held >= required;
    let fleet: Awaited<ReturnType<typeof playFleet>> | undefined;
    let storm: Awaited<ReturnType<typeof playStorm>> | undefined;
    let devices: DeviceSimulationOutcome | undefined;
    if (playable) {
      const pace = chooseFleetPace({
        clients: context.agents,
        intervalSeconds: plan.replication.intervalSeconds,
        jitterFraction: 0.1,
        capacityPerSecond: held,
        ...(options.fleetSeconds !== undefined ? { windowSeconds: options.fleetSeconds } : {}),
      });
      let devicesRun: (() => Promise<unknown>) | undefined;
      if (plan.input.mobileDevices > 0) {
        connector = await startLocalConnector({
          server,
          checkInIntervalSeconds: REHEARSAL_DEVICE_INTERVAL_SECONDS,
          log,
        });
        const running = connector;
        const deviceToken = await running.createDeviceToken(plan.input.mobileDevices);
        devicesRun = async () => {
          const recorder = createRunMetrics({ lateThresholdMs: 1_000 });
          recorder.start();
          devices = await runDeviceSimulation(
            {
              ...rehearsalDeviceOptions({
                connector: running,
                enrollToken: deviceToken,
                devices: plan.input.mobileDevices,
                durationSeconds: pace.windowSeconds,
                timeScale: pace.timeScale,
                log,
              }),
              alone: true,
            },
            recorder,
          );
          recorder.stop();
          log(deviceOutcomeLine(devices));
        };
      }
      fleet = await playFleet(context, pace, devicesRun);
      reports.push(...(await writePhaseReport(options.reportDir, 'fleet', fleet.result)));
      feed.addReport('fleet.html');
      storm = await playStorm(
        context,
        options.stormWindowSeconds ?? plan.replication.jitterSeconds,
      );
      reports.push(...(await writePhaseReport(options.reportDir, 'storm', storm.result)));
      feed.addReport('storm.html');
    } else {
      log("the server did not hold the plan's rate: no fleet run, no storm");
    }
    const drained = await drainAndVerify(context);

    const sessions: SessionFindings = {
      wanted: clients,
      heldAfterWarmUp: warm.sessionsAfter,
      heldAfterStorm: storm ? storm.sessionsAfter : null,
      serverRssBeforeBytes: warm.serverRssBeforeBytes,
      serverRssAfterBytes: warm.serverRssAfterBytes,
      serverBytesPerSession:
        warm.sessionsAfter > warm.sessionsBefore
          ? Math.max(0, warm.serverRssAfterBytes - warm.serverRssBeforeBytes) /
            (warm.sessionsAfter - warm.sessionsBefore)
          : null,
      databaseRssBytes: await context.watch.databaseRssBytes(),
      serverOpenFilesLimit: serverOpenFiles,
      serverProcesses: serverWorkers,
    };
    const findings: RehearsalFindings = {
      identities,
      warmUp: warm.findings,
      database,
      capacity: capacity.findings,
      fleet: fleet?.findings ?? null,
      storm: storm?.findings ?? null,
      logs: drained.findings,
      sessions,
    };
    const verdict = judgeRehearsal(plan, findings, machine);
    // The highest step that held is the server at load (batches full, as at capacity); the
    // fleet run at half of it pays more per replication for emptier batches.
    const cpu =
      capacity.findings.serverCpuMsPerReplication !== null ? capacity.findings : fleet?.findings;
    const projection = projectOntoPlan(plan, {
      serverCpuMs: cpu?.serverCpuMsPerReplication ?? 0,
      databaseCpuMs: cpu?.databaseCpuMsPerReplication ?? 0,
      cpuModel: machine.cpuModel,
    });
    const afterRollout = fleet
      ? afterRolloutScenario(plan, fleet.findings, options.reportDir)
      : null;
    const fleetResult = fleet
      ? withRehearsalRecord(fleet.result, {
          plan,
          verdict,
          projection,
          machine,
          drained: drained.findings,
        })
      : undefined;
    if (fleetResult) await writePhaseReport(options.reportDir, 'fleet', fleetResult);
    await feed.finish(verdict, sessions.heldAfterWarmUp);
    if (options.beforeStop) await options.beforeStop(verdict, server.ready.consoleUrl);
    return {
      verdict,
      findings,
      machine,
      projection,
      results: {
        capacity: capacity.result,
        ...(fleetResult ? { fleet: fleetResult } : {}),
        ...(storm ? { storm: storm.result } : {}),
      },
      reports,
      afterRollout,
      ...(devices ? { devices } : {}),
      seconds: (performance.now() - started) / 1_000,
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await stopAll();
    if (options.keep) log(`kept ${server.dataDir}${connector ? ` and ${connector.dataDir}` : ''}`);
  }
}

/** ours: what a generator process holds open besides its agents' sockets. */
const GENERATOR_FILES_RESERVED = 512;

/**
 * One generator per core, or as many as asked; more when a process could not hold its share
 * of the sessions within its open-files limit (every session is a socket).
 */
async function generatorProcesses(
  clients: number,
  asked: number | undefined,
  log: (line: string) => void,
): Promise<number> {
  const wanted = asked ?? availableParallelism();
  const limit = await openFilesLimit();
  if (limit === null) return wanted;
  const perProcess = Math.max(1, limit - GENERATOR_FILES_RESERVED);
  const needed = Math.ceil(clients / perProcess);
  if (needed <= wanted) return wanted;
  log(
    `${needed} generator processes rather than ${wanted}: each may hold ${limit.toLocaleString('en-US')} open files (ulimit -n), one per session`,
  );
  return needed;
}

export type { LocalServer };
