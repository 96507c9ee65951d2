/**
 * npm run bench:mdm — what one Mobile Device Connector (`smc mdm`) carries on this machine, and
 * how long a command waits for its device as the fleet grows.
 *
 * (a) Check-in capacity: the real server (`smc serve`) and a real connector (`smc mdm`, its own
 *     embedded PostgreSQL, fsync on), each its own process; the connector's interval is 300 s
 *     with a budget so high it never stretches. `--capacity-devices` phones enroll once; for
 *     each connection mode (one HTTP/2 mutual-TLS session per device kept open, or a connection
 *     per check-in with TLS resumed) every device checks in once unmeasured (that opens the
 *     sessions a steady fleet has), then the offered rate climbs x1.4 per step from 50/s by
 *     compressing time (timeScale = rate x (300 s + mean jitter) / devices), fresh devices on the
 *     same identities each step. A step holds when p99 latency from the scheduled time is at
 *     most 200 ms, errors stay under 0.1 % and 95 % of the offered rate succeeds; a mode stops
 *     after a failed step and a failed confirming step (at most 16). Per step: CPU of the
 *     connector, of its PostgreSQL (postmaster + children) and of this process (the generator,
 *     with its event-loop delay), from /proc, and the load average.
 * (b) Command-to-device delay per `--sizes` N: a fresh server and connector (interval 300 s,
 *     `--check-in-budget` = --budget, relay every second), N devices enrolled; the connector's
 *     interval I_eff = max(300, N / budget) comes from its /api/stats. Devices (per-check-in,
 *     already on that interval, so their phases are uniform) follow it, time-compressed by
 *     k = min(--max-scale, I_eff / 20 s, rate / (N / I_eff)), at least 1; rate = --delay-rate,
 *     else 60 % of (a)'s per-check-in capacity, at most 100/s (see DELAY_RATE_CAP and
 *     MIN_WALL_INTERVAL_SECONDS for why). After 1.15 wall intervals
 *     (all checked in once, and the server knows them through the relay) `--commands` commands
 *     go to distinct seeded devices through the server's console, spread over half an interval;
 *     the run ends once the connector has delivered all of them, or 1.4 intervals after the
 *     last. The connector's own histogram of the wait (queued there -> the device's check-in)
 *     x k is what a real fleet would wait, shown beside the model I_eff x 1.05 / 2.
 *
 * Prints progress to stderr, tables to stdout, writes JSON (benchmarks/results/mdm.json).
 * Everything listens on 127.0.0.1; every loop is bounded by count and time; every child is
 * stopped on the way out. The generator shares the machine: a step where it was at its limit
 * is flagged, and then the figure is a lower bound.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CAPACITY_SLO, measureCapacity } from './lib/mdm-capacity.js';
import { MdmCpuSampler } from './lib/mdm-cpu.js';
import { type DelayRow, measureDelay } from './lib/mdm-delay.js';
import { enrollFleet } from './lib/mdm-enroll.js';
import { type MdmBenchOptions, parseMdmBenchOptions, USAGE } from './lib/mdm-options.js';
import { headlineOf, type MdmBenchReport, renderReport } from './lib/mdm-report.js';
import { type MdmStack, startMdmStack, stopAllStacks } from './lib/mdm-stack.js';

/** The connector's default interval; (a) keeps it and never stretches it. */
const CAPACITY_INTERVAL_SECONDS = 300;
const NO_STRETCH_BUDGET = 1_000_000;
/** (b)'s share of (a)'s per-check-in capacity: headroom, so the delay is not queueing. */
const DELAY_RATE_SHARE = 0.6;
/**
 * ours: and at most (a)'s warm-up rate. (a)'s steps resume TLS sessions; (b)'s first round
 * cannot (no session yet). Time compression multiplies any lateness of the generator by k, so
 * (b) stays where full handshakes were measured to hold.
 */
const DELAY_RATE_CAP = 100;
/** ours: (b)'s rate when (a) gave no per-check-in figure and --delay-rate was not given. */
const FALLBACK_DELAY_RATE = 100;

const log = (line: string) => console.error(line);

async function main(): Promise<void> {
  let options: MdmBenchOptions;
  try {
    options = parseMdmBenchOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const began = performance.now();
  const loadAverageAtStart = os.loadavg().map(round2);
  log(
    `load average at start: ${loadAverageAtStart.join(' ')} (${os.cpus().length} cores); shared machines skew every figure`,
  );

  const capacity = options.skipCapacity ? null : await runCapacity(options);

  let delay: MdmBenchReport['delay'] = null;
  if (!options.skipDelay) {
    const perCheckIn = capacity?.modes.find((mode) => mode.mode === 'per-check-in')?.sustained;
    const [targetWallRatePerSecond, targetWallRateSource] =
      options.delayRate !== undefined
        ? [options.delayRate, '--delay-rate']
        : perCheckIn
          ? perCheckIn.achievedPerSecond * DELAY_RATE_SHARE <= DELAY_RATE_CAP
            ? [
                round1(perCheckIn.achievedPerSecond * DELAY_RATE_SHARE),
                `${DELAY_RATE_SHARE * 100} % of the per-check-in capacity ${perCheckIn.achievedPerSecond}/s`,
              ]
            : [
                DELAY_RATE_CAP,
                `capped: ${DELAY_RATE_SHARE * 100} % of the per-check-in capacity ${perCheckIn.achievedPerSecond}/s is over ${DELAY_RATE_CAP}/s, the full-handshake warm-up rate`,
              ]
          : [FALLBACK_DELAY_RATE, 'fallback: no per-check-in capacity measured'];
    log(`(b) aiming at ${targetWallRatePerSecond} check-ins/s wall (${targetWallRateSource})`);
    const rows: DelayRow[] = [];
    for (const devices of options.sizes) {
      rows.push(
        await measureDelay({
          devices,
          budget: options.budget,
          targetWallRate: targetWallRatePerSecond,
          maxScale: options.maxScale,
          commands: options.commands,
          log,
        }),
      );
    }
    delay = { targetWallRatePerSecond, targetWallRateSource, rows };
  }

  const cpus = os.cpus();
  const report: MdmBenchReport = {
    benchmark: 'mdm',
    date: new Date().toISOString(),
    command: `npm run bench:mdm${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? '?',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      loadAverageAtStart,
      loadAverageAtEnd: os.loadavg().map(round2),
    },
    options,
    capacity,
    delay,
    headline: headlineOf(capacity, delay),
    totalSeconds: Math.round((performance.now() - began) / 1_000),
  };
  await mkdir(path.dirname(options.out), { recursive: true });
  await writeFile(options.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(renderReport(report));
  console.log(`\nwritten: ${path.relative(process.cwd(), options.out)}`);
}

async function runCapacity(options: MdmBenchOptions): Promise<MdmBenchReport['capacity']> {
  log('(a) starting a server and a connector (interval 300 s, no stretching)');
  let stack: MdmStack | undefined;
  let cpu: MdmCpuSampler | undefined;
  try {
    stack = await startMdmStack({
      checkInIntervalSeconds: CAPACITY_INTERVAL_SECONDS,
      checkInBudgetPerSecond: NO_STRETCH_BUDGET,
      log: (line) => log(`  ${line}`),
    });
    log(`(a) enrolling ${options.capacityDevices.toLocaleString('en')} devices`);
    const fleet = await enrollFleet(stack, options.capacityDevices, log);
    cpu = await MdmCpuSampler.start(stack.connector.ready.pid, stack.connectorPgDir);
    log(
      `(a) connector pid ${stack.connector.ready.pid}, its PostgreSQL ${cpu.postmasterPid}; generator pid ${process.pid}`,
    );
    const modes = await measureCapacity(stack, fleet, options.modes, options.stepSeconds, cpu, log);
    return {
      devices: options.capacityDevices,
      enrollSeconds: fleet.seconds,
      enrollPerSecond: fleet.perSecond,
      checkInIntervalSeconds: CAPACITY_INTERVAL_SECONDS,
      slo: CAPACITY_SLO,
      modes,
    };
  } finally {
    cpu?.stop();
    await stack?.stop();
  }
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the server and connector processes`);
    void stopAllStacks().finally(() => process.exit(code));
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
