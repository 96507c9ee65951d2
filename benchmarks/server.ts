/**
 * npm run bench:server — the server's replication rate on this machine, beside the bare limit.
 *
 * Interleaved in one run, so a shared box's mood is in every figure: the bare probe
 * h2-pg-replicate.mjs (--probes, its own PostgreSQL), then the real server (embedded
 * PostgreSQL, fsync on, `noopRoute`) in this process with the load generator forked as a
 * separate process, stepping the in-flight concurrency against /v1/replicate and then /v1/noop;
 * then `smc simulate --rate` (the simulator's own generator) against the same server; then the
 * probe again, the bare no-op probe h2-noop.mjs, and autocannon over HTTP/1.1. Prints a table,
 * the ratios to the probes as the headline, and writes JSON (benchmarks/results/server.json).
 * Everything listens on 127.0.0.1 and every loop is bounded by count and time.
 */
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type RunningServer, startServer } from '../server/index.js';
import { consoleRequest } from './lib/server-console.js';
import { cpuBetween, cpuSnapshot, machineBusyPercent } from './lib/server-cpu.js';
import { LoadProcess } from './lib/server-load-process.js';
import { StepMeasurer } from './lib/server-measure.js';
import { parseServerBenchOptions, type ServerBenchOptions, USAGE } from './lib/server-options.js';
import {
  checkProbesFolder,
  type ProbeNoopStep,
  type ProbeReplicateStep,
  runNoopProbe,
  runReplicateProbe,
} from './lib/server-probes.js';
import { ratiosOf } from './lib/server-ratios.js';
import { headlineOf, renderReport, type ServerBenchReport } from './lib/server-report.js';
import { primeSimulator, runSimulator } from './lib/server-simulator.js';

const REQUEST_TIMEOUT_MS = 10_000;
const ENROLL_CONCURRENCY = 16;

async function main(): Promise<void> {
  let options: ServerBenchOptions;
  try {
    options = parseServerBenchOptions(process.argv.slice(2));
    if (options.probesDir) checkProbesFolder(options.probesDir);
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const busyBeforeStartPercent = await waitForQuietMachine(options.waitIdleSeconds);
  const began = performance.now();
  const folder = await mkdtemp(path.join(os.tmpdir(), 'smc-bench-server-'));
  // As root, PostgreSQL runs as its own system user, which must be able to traverse here.
  await chmod(folder, 0o711);
  let server: RunningServer | undefined;
  let load: LoadProcess | undefined;
  const probeRuns: ProbeReplicateStep[][] = [];
  let noopProbe: ProbeNoopStep[] = [];
  const probe = async (when: string) => {
    if (!options.probesDir) return;
    console.error(`bare probe h2-pg-replicate.mjs (${when} ours)`);
    probeRuns.push(
      await runReplicateProbe(
        options.probesDir,
        options.concurrencies,
        options.stepSeconds,
        options.warmupSeconds,
      ),
    );
  };
  try {
    // Interleaved, so the machine's mood of the moment is in both: probe, ours, probe.
    await probe('before');
    console.error(`starting the server on embedded PostgreSQL in ${folder}`);
    server = await startServer({
      dataDir: path.join(folder, 'data'),
      agentPort: 0,
      consolePort: 0,
      noopRoute: true,
      log: (line) => {
        if (line.startsWith('internal error')) console.error(`[server] ${line}`);
      },
    });
    const running = server;
    const postmasterPid = Number(
      (await readFile(path.join(folder, 'data', 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0],
    );
    const setting = async (name: string) =>
      (await running.pool.query<Record<string, string>>(`SHOW ${name}`)).rows[0]?.[name] ?? '?';
    const postgres = `PostgreSQL ${await setting('server_version')}`;
    const fsync = await setting('fsync');
    const synchronousCommit = await setting('synchronous_commit');
    const consoleCall = (route: string, body?: unknown) =>
      consoleRequest(`${running.consoleUrl}${route}`, {
        ca: running.caCertPem,
        token: running.adminToken,
        ...(body === undefined ? {} : { method: 'POST' as const, body }),
      });
    const { token } = JSON.parse(
      await consoleCall('/api/enrollment-tokens', { uses: options.agents, ttlSeconds: 3_600 }),
    ) as { token: string };

    load = new LoadProcess();
    const loader = load;
    console.error(`load process ${loader.pid}: enrolling ${options.agents} agents`);
    const { timings } = await loader.request(
      {
        type: 'setup',
        agentUrl: running.agentUrl,
        caPem: running.caCertPem,
        token,
        agents: options.agents,
        enrollConcurrency: ENROLL_CONCURRENCY,
        newLogs: options.newLogs,
        timeoutMs: REQUEST_TIMEOUT_MS,
      },
      'ready',
      300_000,
    );
    console.error(
      `enrolled in ${timings.enrollSeconds} s, connected in ${timings.connectSeconds} s, primed in ${timings.primeSeconds} s`,
    );

    const measurer = new StepMeasurer(
      loader,
      { postmasterPid, loadPid: loader.pid ?? -1 },
      () => consoleCall('/metrics'),
      REQUEST_TIMEOUT_MS,
    );
    const steps = await measurer.steps(options);
    const headline = headlineOf(steps, options.p99LimitMs, options.targetPerSecond);

    let simulator: ServerBenchReport['simulator'] = null;
    if (options.simulatorSeconds > 0) {
      const rate =
        options.simulatorRate || Math.max(50, Math.round(headline.replicate?.perSecond ?? 500));
      const simToken = JSON.parse(
        await consoleCall('/api/enrollment-tokens', { uses: options.agents, ttlSeconds: 3_600 }),
      ) as { token: string };
      const target = {
        agentUrl: running.agentUrl,
        caFile: running.caFile,
        token: simToken.token,
        folder: await mkdtemp(path.join(os.tmpdir(), 'smc-bench-sim-')),
      };
      try {
        console.error(
          `smc simulate: enrolling ${options.agents} agents, then ${rate}/s for ${options.simulatorSeconds} s`,
        );
        await primeSimulator(target, options.agents);
        const parties = { postmasterPid, loadPid: -1 };
        const before = await cpuSnapshot(parties);
        const run = await runSimulator(target, options.agents, rate, options.simulatorSeconds);
        const after = await cpuSnapshot(parties);
        // Kept beside the benchmark's JSON: the simulator's own figures, for a closer look.
        await mkdir(path.dirname(options.out), { recursive: true });
        await copyFile(
          path.join(target.folder, 'simulate.json'),
          `${options.out.replace(/\.json$/, '')}.simulate.json`,
        );
        const cpu = cpuBetween(before, after, os.cpus().length);
        const seconds = (after.at - before.at) / 1_000;
        const replications = Math.max(1, run.ok);
        simulator = {
          ...run,
          serverCpuMicrosPerReplication: Math.round(
            ((cpu.serverPercent / 100) * seconds * 1e6) / replications,
          ),
          postgresCpuMicrosPerReplication: Math.round(
            ((cpu.postgresPercent / 100) * seconds * 1e6) / replications,
          ),
        };
        console.error(`smc simulate: ${run.perSecond}/s answered, p99 ${run.p99Ms ?? '-'} ms`);
      } finally {
        await rm(target.folder, { recursive: true, force: true });
      }
    }

    await probe('after');
    if (options.probesDir) {
      console.error('bare probe h2-noop.mjs (core stream API)');
      noopProbe = await runNoopProbe(options.probesDir, options.concurrencies, options.stepSeconds);
    }
    const autocannon = options.autocannonSeconds > 0 ? await measurer.autocannon(options) : [];

    const cpus = os.cpus();
    const report: ServerBenchReport = {
      benchmark: 'server',
      date: new Date().toISOString(),
      command: `npm run bench:server${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      machine: {
        cores: cpus.length,
        cpuModel: cpus[0]?.model ?? '?',
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
        postgres,
        fsync,
        synchronousCommit,
        busyBeforeStartPercent,
      },
      setup: {
        ...timings,
        model: `closed: N replications in flight, each on a different agent; ${options.warmupSeconds} s warm-up then ${options.stepSeconds} s measured per step; latency of 200 answers, HDR histogram`,
        sessions: 'one HTTP/2 mutual-TLS session per agent (each agent has its own certificate)',
        newLogsPerReplication: options.newLogs,
        warmupSeconds: options.warmupSeconds,
        stepSeconds: options.stepSeconds,
      },
      steps,
      autocannon,
      probes: options.probesDir ? { replicate: probeRuns, noop: noopProbe } : null,
      simulator,
      headline,
      ratios: options.probesDir ? ratiosOf(steps, headline, probeRuns, noopProbe) : null,
      totalSeconds: Math.round((performance.now() - began) / 1_000),
    };
    await mkdir(path.dirname(options.out), { recursive: true });
    await writeFile(options.out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(renderReport(report));
    console.log(`\nwritten: ${path.relative(process.cwd(), options.out)}`);
  } finally {
    await load?.stop().catch(() => {});
    await server
      ?.close()
      .catch((error: unknown) => console.error(`closing the server: ${String(error)}`));
    await rm(folder, { recursive: true, force: true });
  }
}

/**
 * Other jobs on a shared box skew every figure: optionally wait (bounded) until the machine is
 * mostly idle, and return how busy it was when the run started.
 */
async function waitForQuietMachine(maxSeconds: number): Promise<number> {
  const deadline = performance.now() + maxSeconds * 1_000;
  for (let sample = 0; ; sample++) {
    const busy = await machineBusyPercent(2_000);
    if (busy < 20 || performance.now() >= deadline) {
      if (busy >= 20)
        console.error(`warning: the machine was ${busy} % busy before the run started`);
      return busy;
    }
    if (sample % 15 === 0) console.error(`machine ${busy} % busy; waiting for it to quiet down`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
