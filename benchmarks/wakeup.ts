/**
 * npm run bench:wakeup — wake-up calls at fleet scale on this machine.
 *
 * The real server (`smc serve`, embedded PostgreSQL, its push broker) in its own process at
 * the plan's interval for the fleet (`smc plan`: 1,200 s at 10,000 clients), and the fleet as
 * `--processes` `smc simulate` shards (a process may hold 20,000 open files here, and an
 * agent with a push session holds two: so the fleet is split, and replications use a
 * connection each, TLS resumed, so the server holds only the push sessions open). Phases:
 *   0. enroll the fleet (identities cached), nothing held;
 *   1. wake-ups on: every agent holds an MQTT session; each shard's task probe creates a task
 *      for `--probe-targets` of its agents every `--probe-every`; time compressed by
 *      `--time-scale` so the interval passes `--intervals` times;
 *   2. wake-ups off: the same, without sessions.
 * Figures: broker RSS per session (server RSS with every session held minus the server's RSS
 * before, / sessions), generator RSS per agent with and without a session, wake-up latency
 * (server publish -> the agent's replication answered, wall time, merged over shards), task
 * delivery latency created -> received and created -> result with wake-ups (wall time: push is
 * not time-compressed) and without (wall x time scale: the interval is), and the load average.
 * Prints a table, writes benchmarks/results/wakeup.json. Everything on 127.0.0.1, every child
 * stopped on the way out.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReadyFile } from '../protocol/index.js';
import {
  createHistogram,
  decodeHistogram,
  type Histogram,
  percentileMs,
} from '../simulator/index.js';
import { planDeployment } from '../sizing/index.js';
import { consoleRequest } from './lib/server-console.js';

const SMC_BIN = fileURLToPath(new URL('../bin/smc.js', import.meta.url));
const log = (line: string) => console.error(`bench:wakeup: ${line}`);

interface Options {
  agents: number;
  processes: number;
  timeScale: number;
  intervals: number;
  probeEverySeconds: number;
  probeTargets: number;
}

const USAGE = `usage: npm run bench:wakeup -- [options]
  --agents N          agents of the fleet, each with a push session in phase 1 (default 10000)
  --processes N       smc simulate shards (an agent with a session holds two open files) (default 4)
  --time-scale X      time compression of the plan's interval (default 40)
  --intervals N       intervals each phase plays (default 3)
  --probe-every S     seconds between task probes per shard (default 5)
  --probe-targets N   agents a probe task targets (default 20)
writes benchmarks/results/wakeup.json; exits 1 when under 99 % of the sessions were held or no
wake-up was measured`;

function parseOptions(argv: readonly string[]): Options {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    process.exit(0);
  }
  const options: Options = {
    agents: 10_000,
    processes: 4,
    timeScale: 40,
    intervals: 3,
    probeEverySeconds: 5,
    probeTargets: 20,
  };
  const names: Record<string, keyof Options> = {
    '--agents': 'agents',
    '--processes': 'processes',
    '--time-scale': 'timeScale',
    '--intervals': 'intervals',
    '--probe-every': 'probeEverySeconds',
    '--probe-targets': 'probeTargets',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i] as string];
    const value = Number(argv[i + 1]);
    if (!key || !(value > 0)) {
      console.error(
        `bench:wakeup: ${argv[i]}: unknown flag or not a positive number (flags: ${Object.keys(names).join(' ')})`,
      );
      process.exit(2);
    }
    options[key] = value;
  }
  return options;
}

/** VmRSS of a process in bytes (0 when it is gone). */
async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

const loadavg = () => os.loadavg().map((v) => Math.round(v * 100) / 100);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Shard {
  readonly child: ChildProcess;
  readonly json: string;
  stderr: string;
}

interface PhaseResult {
  readonly shards: { push: Record<string, unknown>; meta: Record<string, unknown> }[];
  readonly serverRssWithSessions: number;
  readonly sessionsHeld: number;
  readonly generatorRssPerAgent: number;
  readonly loadavg: number[];
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const plan = planDeployment({ clients: options.agents });
  const intervalSeconds = plan.replication.intervalSeconds;
  const wallInterval = intervalSeconds / options.timeScale;
  const phaseSeconds = Math.ceil(wallInterval * options.intervals);
  log(
    `${options.agents} agents in ${options.processes} processes; plan interval ${intervalSeconds} s, time scale ${options.timeScale} (${wallInterval.toFixed(0)} s wall), ${phaseSeconds} s per phase`,
  );
  const work = await mkdtemp(path.join(os.tmpdir(), 'smc-bench-wakeup-'));
  const children = new Set<ChildProcess>();
  let serverChild: ChildProcess | undefined;
  const stop = async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    if (serverChild && serverChild.exitCode === null) {
      serverChild.kill('SIGTERM');
      await once(serverChild, 'exit');
    }
    await rm(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    const live = await startServerChild(work, intervalSeconds);
    serverChild = live.child;
    const pushUrl = live.ready.pushUrl;
    if (!pushUrl) throw new Error('the server runs no push broker');
    const tokenFile = live.ready.adminTokenFile;
    const metric = async (name: string) => {
      const text = await consoleRequest(`${live.ready.consoleUrl}/metrics`, {
        ca: live.caPem,
        token: live.adminToken,
      });
      return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
    };

    const runShards = (phase: string, seconds: number, extra: string[]): Shard[] =>
      Array.from({ length: options.processes }, (_, k) => {
        const json = path.join(work, `${phase}-${k + 1}.json`);
        const child = spawn(
          process.execPath,
          [
            SMC_BIN,
            'simulate',
            '--target',
            live.ready.agentUrl,
            '--ca',
            live.ready.caFile,
            '--console-url',
            live.ready.consoleUrl,
            '--admin-token-file',
            tokenFile,
            '--identities',
            // One folder per shard: a cache file is written by one process.
            path.join(work, `identities-${k + 1}`),
            '--agents',
            String(options.agents),
            '--shard',
            `${k + 1}/${options.processes}`,
            '--interval',
            `${intervalSeconds}s`,
            '--time-scale',
            String(options.timeScale),
            '--duration',
            `${seconds}s`,
            '--connection',
            'per-replication',
            '--min-replications',
            '1',
            '--json',
            json,
            ...extra,
          ],
          { stdio: ['ignore', 'ignore', 'pipe'] },
        );
        children.add(child);
        const shard: Shard = { child, json, stderr: '' };
        child.stderr?.on('data', (chunk: Buffer) => {
          shard.stderr = (shard.stderr + chunk.toString()).slice(-4_000);
        });
        return shard;
      });
    const finish = async (shards: Shard[]) => {
      const results = [];
      for (const shard of shards) {
        const [code] =
          shard.child.exitCode === null ? await once(shard.child, 'exit') : [shard.child.exitCode];
        children.delete(shard.child);
        if (code !== 0 && code !== 99)
          throw new Error(`a simulate shard exited ${code}: ${shard.stderr.slice(-800)}`);
        const run = JSON.parse(await readFile(shard.json, 'utf8'));
        results.push({ push: run.meta.options.push ?? {}, meta: run.meta });
      }
      return results;
    };

    log('phase 0: enrolling the fleet');
    await finish(runShards('enroll', 1, []));
    await sleep(3_000);
    const serverRssBefore = await rssBytes(live.ready.pid);

    const playPhase = async (wakeups: 'on' | 'off'): Promise<PhaseResult> => {
      log(`phase: wake-ups ${wakeups}, ${phaseSeconds} s`);
      const shards = runShards(`wakeups-${wakeups}`, phaseSeconds, [
        '--wakeups',
        wakeups,
        ...(wakeups === 'on' ? ['--push-url', pushUrl] : []),
        '--verify',
        '--task-probe',
        `${options.probeEverySeconds}s`,
        '--task-probe-targets',
        String(options.probeTargets),
      ]);
      // Sample once the sessions are up (on) and the run is steady: at half the phase, or
      // later while sessions are still opening (at most 3 minutes).
      const sampleAt = Date.now() + (phaseSeconds * 1_000) / 2;
      const giveUpAt = Date.now() + 180_000;
      let sessionsHeld = 0;
      let serverRss = 0;
      let generatorRss = 0;
      while (
        Date.now() < sampleAt ||
        (wakeups === 'on' && sessionsHeld < options.agents * 0.99 && Date.now() < giveUpAt)
      ) {
        await sleep(1_000);
        if (live.child.exitCode !== null || live.child.signalCode !== null)
          throw new Error(
            `smc serve exited (${live.child.exitCode ?? live.child.signalCode}): ${live.stderr()}`,
          );
        sessionsHeld = await metric('smc_push_sessions').catch(() => Number.NaN);
      }
      serverRss = await rssBytes(live.ready.pid);
      for (const shard of shards) generatorRss += await rssBytes(shard.child.pid ?? 0);
      const load = loadavg();
      log(
        `  sessions held ${sessionsHeld}, server RSS ${(serverRss / 2 ** 20).toFixed(0)} MiB, generators ${(generatorRss / 2 ** 20).toFixed(0)} MiB, loadavg ${load.join(' ')}`,
      );
      const results = await finish(shards);
      return {
        shards: results,
        serverRssWithSessions: serverRss,
        sessionsHeld,
        generatorRssPerAgent: generatorRss / options.agents,
        loadavg: load,
      };
    };

    const on = await playPhase('on');
    const off = await playPhase('off');

    const merged = (phase: PhaseResult, pathOf: (push: Record<string, unknown>) => unknown) => {
      const histogram: Histogram = createHistogram();
      for (const shard of phase.shards) {
        const figure = pathOf(shard.push) as { histogram?: { data: string } } | undefined;
        if (figure?.histogram) histogram.add(decodeHistogram(figure.histogram.data, 'bench'));
      }
      return histogram;
    };
    const figures = (histogram: Histogram, scale = 1) =>
      histogram.totalCount === 0
        ? { samples: 0, p50Ms: null, p99Ms: null }
        : {
            samples: histogram.totalCount,
            p50Ms: round(percentileMs(histogram, 50) * scale),
            p99Ms: round(percentileMs(histogram, 99) * scale),
          };
    type Push = {
      taskProbe?: { createdToReceived?: unknown; createdToResult?: unknown };
      wakeupToReplication?: unknown;
      wakeupsReceived?: number;
      sessions?: { subscribedAtStart: number; failedAtStart: number };
    };
    const p = (push: Record<string, unknown>) => push as Push;
    const subscribed = on.shards.reduce(
      (n, s) => n + (p(s.push).sessions?.subscribedAtStart ?? 0),
      0,
    );
    const failedSessions = on.shards.reduce(
      (n, s) => n + (p(s.push).sessions?.failedAtStart ?? 0),
      0,
    );
    const lost = [...on.shards, ...off.shards].reduce(
      (n, s) => n + Number((s.meta.verify as { lost?: number } | undefined)?.lost ?? 0),
      0,
    );
    const report = {
      machine: { cores: os.cpus().length, node: process.version, host: os.hostname() },
      options,
      planIntervalSeconds: intervalSeconds,
      phaseSeconds,
      sessions: {
        subscribedAtStart: subscribed,
        failedAtStart: failedSessions,
        heldMidRun: on.sessionsHeld,
      },
      broker: {
        serverRssBeforeMiB: round(serverRssBefore / 2 ** 20),
        serverRssWithSessionsMiB: round(on.serverRssWithSessions / 2 ** 20),
        rssPerSessionKiB:
          on.sessionsHeld > 0
            ? round((on.serverRssWithSessions - serverRssBefore) / on.sessionsHeld / 1024)
            : null,
      },
      generator: {
        rssPerAgentWithSessionKiB: round(on.generatorRssPerAgent / 1024),
        rssPerAgentWithoutKiB: round(off.generatorRssPerAgent / 1024),
        sessionCostPerAgentKiB: round((on.generatorRssPerAgent - off.generatorRssPerAgent) / 1024),
      },
      wakeupToReplicationWall: figures(merged(on, (x) => p(x).wakeupToReplication)),
      wakeupsReceived: on.shards.reduce((n, s) => n + (p(s.push).wakeupsReceived ?? 0), 0),
      taskDelivery: {
        withWakeups: {
          createdToReceived: figures(merged(on, (x) => p(x).taskProbe?.createdToReceived)),
          createdToResult: figures(merged(on, (x) => p(x).taskProbe?.createdToResult)),
          unit: 'wall ms (push is real time)',
        },
        withoutWakeups: {
          createdToReceived: figures(
            merged(off, (x) => p(x).taskProbe?.createdToReceived),
            options.timeScale,
          ),
          createdToResult: figures(
            merged(off, (x) => p(x).taskProbe?.createdToResult),
            options.timeScale,
          ),
          unit: `schedule ms (wall x time scale ${options.timeScale})`,
        },
        modelWithoutMs: { createdToReceived: (intervalSeconds * 1.05 * 1_000) / 2 },
      },
      logsLost: lost,
      loadavg: { wakeupsOn: on.loadavg, wakeupsOff: off.loadavg, end: loadavg() },
      measuredAt: new Date().toISOString(),
    };
    const out = path.resolve('benchmarks/results');
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'wakeup.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(render(report));
    console.log(`\nwritten ${path.join(out, 'wakeup.json')}`);
    // A benchmark that measured nothing must not pass for one that did.
    if (
      report.wakeupToReplicationWall.samples === 0 ||
      report.sessions.heldMidRun < options.agents * 0.99
    ) {
      console.error(
        `bench:wakeup: not measured: ${report.sessions.heldMidRun} of ${options.agents} sessions held, ${report.wakeupToReplicationWall.samples} wake-up samples`,
      );
      process.exitCode = 1;
    }
  } finally {
    await stop();
  }
}

const round = (v: number) => Math.round(v * 100) / 100;

/** `smc serve` on a throwaway folder (embedded PostgreSQL, free ports, push broker on). */
async function startServerChild(work: string, intervalSeconds: number) {
  const readyFile = path.join(work, 'ready.json');
  const child = spawn(
    process.execPath,
    [
      SMC_BIN,
      'serve',
      '--data-dir',
      path.join(work, 'server'),
      '--agent-port',
      '0',
      '--console-port',
      '0',
      '--interval',
      `${intervalSeconds}s`,
      '--ready-file',
      readyFile,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  let ready: ReadyFile | undefined;
  for (let i = 0; i < 600 && !ready; i++) {
    if (child.exitCode !== null) throw new Error(`smc serve exited early: ${stderr}`);
    ready = await readFile(readyFile, 'utf8').then(JSON.parse, () => undefined);
    if (!ready) await sleep(200);
  }
  if (!ready) throw new Error(`smc serve was not ready in 120 s: ${stderr}`);
  const caPem = await readFile(ready.caFile, 'utf8');
  const adminToken = (await readFile(ready.adminTokenFile, 'utf8')).trim();
  log(`server up: ${ready.agentUrl}, push ${ready.pushUrl}`);
  return { child, ready, caPem, adminToken, stderr: () => stderr.slice(-1_500) };
}

function render(r: {
  options: Options;
  sessions: { subscribedAtStart: number; failedAtStart: number; heldMidRun: number };
  broker: {
    serverRssBeforeMiB: number;
    serverRssWithSessionsMiB: number;
    rssPerSessionKiB: number | null;
  };
  generator: {
    rssPerAgentWithSessionKiB: number;
    rssPerAgentWithoutKiB: number;
    sessionCostPerAgentKiB: number;
  };
  wakeupToReplicationWall: { samples: number; p50Ms: number | null; p99Ms: number | null };
  taskDelivery: {
    withWakeups: { createdToReceived: Lat; createdToResult: Lat };
    withoutWakeups: { createdToReceived: Lat; createdToResult: Lat };
    modelWithoutMs: { createdToReceived: number };
  };
  planIntervalSeconds: number;
  logsLost: number;
  loadavg: { wakeupsOn: number[]; wakeupsOff: number[] };
}): string {
  const lat = (l: Lat) =>
    l.samples === 0 ? 'none' : `p50 ${l.p50Ms} ms  p99 ${l.p99Ms} ms  (${l.samples})`;
  return [
    `wake-up calls, ${r.options.agents} agents in ${r.options.processes} processes, plan interval ${r.planIntervalSeconds} s`,
    `  push sessions     ${r.sessions.subscribedAtStart} subscribed at start (${r.sessions.failedAtStart} failed), ${r.sessions.heldMidRun} held mid-run`,
    `  broker RSS        ${r.broker.serverRssBeforeMiB} MiB -> ${r.broker.serverRssWithSessionsMiB} MiB: ${r.broker.rssPerSessionKiB} KiB per session`,
    `  generator RSS     ${r.generator.rssPerAgentWithSessionKiB} KiB/agent with a session, ${r.generator.rssPerAgentWithoutKiB} without (+${r.generator.sessionCostPerAgentKiB})`,
    `  wake-up -> replication (wall)   ${lat(r.wakeupToReplicationWall)}`,
    `  task created -> received  with wake-ups ${lat(r.taskDelivery.withWakeups.createdToReceived)}`,
    `                            without       ${lat(r.taskDelivery.withoutWakeups.createdToReceived)}  (model ${r.taskDelivery.modelWithoutMs.createdToReceived} ms)`,
    `  task created -> result    with wake-ups ${lat(r.taskDelivery.withWakeups.createdToResult)}`,
    `                            without       ${lat(r.taskDelivery.withoutWakeups.createdToResult)}`,
    `  logs lost         ${r.logsLost}`,
    `  loadavg           on: ${r.loadavg.wakeupsOn.join(' ')}  off: ${r.loadavg.wakeupsOff.join(' ')}`,
  ].join('\n');
}
type Lat = { samples: number; p50Ms: number | null; p99Ms: number | null };

main().catch((error: unknown) => {
  console.error(`bench:wakeup: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
