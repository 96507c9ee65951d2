import { access, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Command, Option } from 'commander';
import {
  DEFAULT_DEVICE_JITTER_FRACTION,
  type DeviceSimulationOptions,
} from '../../simulator/devices/device-simulation-options.js';
import { IdentityCacheMismatch } from '../../simulator/identity/cache.js';
import { certificateFingerprint } from '../../simulator/identity/keys.js';
import { DEFAULT_OS_MIX, parseOsMix } from '../../simulator/profile/os-mix.js';
import {
  deviceOutcomeLine,
  devicesOnlySimulationOptions,
  devicesOnlySimulationOutcome,
} from '../../simulator/run/devices-only-run.js';
import {
  parseNumberIn,
  parseRatePerSecond,
  parseShard,
  parseWhole,
} from '../../simulator/run/flag-rules.js';
import {
  type DeviceSimulationOutcome,
  runDeviceSimulation,
} from '../../simulator/run/run-device-simulation.js';
import {
  runSimulation,
  type SimulationOutcome,
  SimulationSetupError,
} from '../../simulator/run/run-simulation.js';
import type { SimulationOptions, WorkloadMode } from '../../simulator/run/simulation-options.js';
import {
  CONNECTION_MODES,
  type ConnectionMode,
} from '../../simulator/transport/agent-transport.js';
import { parseProxyUrl } from '../../simulator/transport/proxy-tunnel.js';
import { parseTargetUrl } from '../../simulator/transport/target.js';
import { parseRamp } from '../../simulator/workload/ramp.js';
import { parseSlo } from '../../simulator/workload/slo.js';
import { parseDurationMs } from '../../sizing/index.js';
import { runAction } from '../cli/run-action.js';
import { RunReporting } from '../cli/run-reporting.js';
import { UsageError } from '../cli/usage-error.js';

interface SimulateFlags {
  target?: string;
  ca?: string;
  enrollToken?: string;
  consoleUrl?: string;
  adminTokenFile?: string;
  agents?: string;
  interval: string;
  duration: string;
  rate?: string;
  ramp?: string;
  findCapacity?: boolean;
  slo: string[];
  startRate: string;
  maxRate: string;
  stepGrowth: string;
  stepDuration: string;
  seed: string;
  identities?: string;
  timeScale: string;
  connection: string;
  proxy?: string;
  timeout: string;
  lateAfter: string;
  logsPerReplication: string;
  inventoryChangeRate: string;
  taskResultRate: string;
  osMix?: string;
  shard: string;
  threshold: string[];
  thresholdsFile?: string;
  json?: string;
  html?: string;
  verify?: boolean;
  devices?: string;
  mdmTarget?: string;
  mdmEnrollUrl?: string;
  mdmCa?: string;
  mdmEnrollToken?: string;
  deviceInterval: string;
  androidRatio: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];
const DEFAULT_SLOS = ['p99<250ms', 'errors<0.1%'];

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .summary('drive a server with virtual agents (load test, capacity search, CI gate)')
    .description(
      'Play thousands of virtual agents against an agent plane that speaks protocol v1: each enrolls once, then replicates on its own timetable over its own mutual-TLS HTTP/2 connection (optionally through an HTTP CONNECT proxy). Latency counts from the scheduled time, so a slow server shows as latency, never as a lower rate.',
    )
    .option('--target <url>', 'agent plane, e.g. https://127.0.0.1:2222')
    .option('--ca <file>', "PEM of the CA that signed the server's certificate")
    .option('--enroll-token <token>', 'enrollment token for agents not in --identities yet')
    .option('--console-url <url>', 'console API, e.g. https://127.0.0.1:2223 (tokens, --verify)')
    .option('--admin-token-file <file>', 'file holding the console admin token')
    .option('--agents <n>', 'virtual agents in the fleet (all shards; default 1000)')
    .option(
      '--interval <duration>',
      'fleet model: replication interval until the server says otherwise',
      '10m',
    )
    .option('--duration <duration>', 'wall time the run lasts (ramp: at least the ramp)', '5m')
    .option('--rate <r/s>', 'fixed-rate model: replications per second, spread over the agents')
    .option('--ramp <from:to:duration>', 'ramp model: e.g. 100:5000:60s')
    .option('--find-capacity', 'capacity search: raise the rate until an SLO breaks')
    .option(
      '--slo <expr>',
      `capacity search SLO, repeatable (default ${DEFAULT_SLOS.join(', ')})`,
      collect,
      [],
    )
    .option('--start-rate <r/s>', 'capacity search: first step', '50/s')
    .option('--max-rate <r/s>', 'capacity search: stop here even if nothing broke', '20000/s')
    .option('--step-growth <factor>', 'capacity search: each step is the last times this', '1.25')
    .option('--step-duration <duration>', 'capacity search: length of one step', '10s')
    .option(
      '--seed <n>',
      'seed for the machines, their logs and jitter (same seed, same fleet)',
      '1',
    )
    .option('--identities <dir>', 'cache enrolled identities here and reuse them next run')
    .option('--time-scale <k>', 'play k schedule seconds per wall second (fleet model)', '1')
    .addOption(
      new Option(
        '--connection <mode>',
        'one long-lived connection per agent, or one per replication',
      )
        .choices(CONNECTION_MODES)
        .default('persistent'),
    )
    .option('--proxy <url>', 'HTTP proxy that tunnels with CONNECT, e.g. http://proxy:3128')
    .option('--timeout <duration>', 'bound on one replication, connect included', '10s')
    .option('--late-after <duration>', 'a start this far behind its slot counts as late', '1s')
    .option('--logs-per-replication <mean>', 'mean logs an agent gathers per replication', '5')
    .option(
      '--inventory-change-rate <p>',
      'chance per replication that the inventory changed',
      '0.01',
    )
    .option('--task-result-rate <p>', 'chance per replication that a running task finishes', '1')
    .option('--os-mix <mix>', 'fleet OS shares, e.g. windows=70,macos=20,linux=10')
    .option('--shard <i/n>', 'run share i of n of the fleet (merge the JSON files after)', '1/1')
    .option(
      '--threshold <expr>',
      "gate, repeatable: e.g. 'p99<250ms' (exit 99 when one fails)",
      collect,
      [],
    )
    .option(
      '--thresholds-file <file>',
      'gates from a JSON file: { "thresholds": ["p99<250ms", ...] }',
    )
    .option('--json <file>', 'write the results as JSON')
    .option('--html <file>', 'write an HTML report')
    .option('--verify', 'at the end, ask the console API whether every acknowledged log is stored')
    .option('--devices <n>', 'simulated phones checking in to a Mobile Device Connector')
    .option('--mdm-target <url>', "connector's device check-in port, e.g. https://127.0.0.1:9981")
    .option('--mdm-enroll-url <url>', "connector's enrollment port, e.g. https://127.0.0.1:9980")
    .option('--mdm-ca <file>', "PEM of the connector's device CA (verifies both its ports)")
    .option('--mdm-enroll-token <token>', "MDM enrollment token from the connector's console API")
    .option('--device-interval <duration>', 'time between two check-ins of one device', '5m')
    .option('--android-ratio <share>', 'share of the devices that run Android (rest iOS)', '0.7')
    .addHelpText(
      'after',
      '\nExamples:\n  smc simulate --target https://127.0.0.1:2222 --ca ca.pem --enroll-token T --agents 5000 --interval 10m --time-scale 60 --duration 2m\n  smc simulate --target https://smc:2222 --ca ca.pem --identities .smc/ids --rate 800/s --duration 5m --proxy http://proxy:3128\n  smc simulate --target https://127.0.0.1:2222 --ca ca.pem --enroll-token T --find-capacity --slo p99<250ms --slo errors<0.1%\n  smc simulate --devices 2000 --mdm-target https://127.0.0.1:9981 --mdm-enroll-url https://127.0.0.1:9980 --mdm-ca mdm-ca.pem --mdm-enroll-token T --device-interval 5m --time-scale 60 --duration 2m',
    )
    .action((flags: SimulateFlags) =>
      runAction(async () => {
        const reporting = await RunReporting.prepare(flags);
        const devices = await deviceOptionsFrom(flags);
        const agentsRun = !devices || flags.target !== undefined || flags.agents !== undefined;
        if (devices && !agentsRun) refuseAgentOnlyFlags(flags);
        const devicesRun = devices && { ...devices, alone: !agentsRun };
        const agents = agentsRun ? await simulationOptionsFrom(flags) : undefined;
        const options =
          agents ??
          devicesOnlySimulationOptions(
            devices as DeviceSimulationOptions,
            parseDurationMs(flags.lateAfter, '--late-after'),
          );
        const recorder = reporting.createRecorder(options);
        let outcome: SimulationOutcome;
        try {
          // Agents and phones share the recorder: one set of histograms, gates and reports.
          const [agentOutcome, deviceOutcome] = await Promise.all([
            agents ? runSimulation(agents, recorder) : undefined,
            devicesRun ? runDeviceSimulation(devicesRun, recorder) : undefined,
          ]);
          outcome = {
            ...(agentOutcome ??
              devicesOnlySimulationOutcome(deviceOutcome as DeviceSimulationOutcome)),
            ...(deviceOutcome ? { devices: deviceOutcome } : {}),
          };
        } catch (error) {
          if (error instanceof SimulationSetupError || error instanceof IdentityCacheMismatch) {
            throw new UsageError(error.message);
          }
          throw error;
        }
        const { exitCode } = await reporting.finish(options, outcome, recorder);
        if (outcome.devices) process.stdout.write(`${deviceOutcomeLine(outcome.devices)}\n`);
        return exitCode;
      }),
    );
}

/** Turns flags into validated options; every problem is a UsageError naming its flag. */
async function simulationOptionsFrom(flags: SimulateFlags): Promise<SimulationOptions> {
  try {
    if (!flags.target)
      throw new RangeError('--target: required, e.g. --target https://127.0.0.1:2222');
    if (!flags.ca)
      throw new RangeError(
        "--ca: required: the PEM file of the CA that signed the server's certificate",
      );
    const target = parseTargetUrl(flags.target, '--target');
    const caPem = await readText(flags.ca, '--ca');
    certificateFingerprint(caPem, '--ca');
    const agents = parseWhole(flags.agents ?? '1000', '--agents', 1, 1_000_000);
    const seconds = (text: string, field: string) => parseDurationMs(text, field) / 1_000;
    const durationSeconds = positive(seconds(flags.duration, '--duration'), '--duration');
    const chosen = [
      flags.rate && '--rate',
      flags.ramp && '--ramp',
      flags.findCapacity && '--find-capacity',
    ].filter(Boolean);
    if (chosen.length > 1)
      throw new RangeError(
        `${chosen[1]}: cannot be combined with ${chosen[0]} (pick one workload model)`,
      );
    if (flags.slo.length > 0 && !flags.findCapacity)
      throw new RangeError('--slo: only applies with --find-capacity');
    const lateThresholdMs = parseDurationMs(flags.lateAfter, '--late-after');
    const mode = workloadFrom(flags, seconds, lateThresholdMs);
    if (flags.adminTokenFile && !flags.consoleUrl)
      throw new RangeError('--admin-token-file: needs --console-url');
    if (flags.consoleUrl && !flags.adminTokenFile)
      throw new RangeError('--console-url: needs --admin-token-file');
    if (flags.verify && !flags.consoleUrl)
      throw new RangeError('--verify: needs --console-url and --admin-token-file');
    if (flags.enrollToken !== undefined && !/^\S{8,128}$/.test(flags.enrollToken)) {
      throw new RangeError('--enroll-token: must be 8 to 128 characters without spaces');
    }
    const console =
      flags.consoleUrl && flags.adminTokenFile
        ? {
            url: parseConsoleUrl(flags.consoleUrl),
            adminToken: nonEmpty(
              (await readText(flags.adminTokenFile, '--admin-token-file')).trim(),
              '--admin-token-file',
            ),
            caPem,
          }
        : undefined;
    const seed = parseWhole(flags.seed, '--seed', 0, 2 ** 31 - 1);
    const timeScale = parseNumberIn(flags.timeScale, '--time-scale', 0.001, 100_000);
    const timeoutMs = positive(parseDurationMs(flags.timeout, '--timeout'), '--timeout');
    if (flags.identities !== undefined) nonEmpty(flags.identities, '--identities');
    return {
      target: { ...target, caPem },
      ...(flags.proxy ? { proxy: parseProxyUrl(flags.proxy, '--proxy') } : {}),
      ...(flags.enrollToken ? { enrollToken: flags.enrollToken } : {}),
      ...(console ? { console } : {}),
      agents,
      shard: parseShard(flags.shard, '--shard'),
      mode,
      durationSeconds,
      timeScale,
      seed,
      ...(flags.identities ? { identitiesDir: flags.identities } : {}),
      connection: flags.connection as ConnectionMode,
      timeoutMs,
      lateThresholdMs,
      behaviour: {
        seed,
        osMix: flags.osMix ? parseOsMix(flags.osMix, '--os-mix') : DEFAULT_OS_MIX,
        logsPerReplication: parseNumberIn(
          flags.logsPerReplication,
          '--logs-per-replication',
          0,
          10_000,
        ),
        inventoryChangeRate: parseNumberIn(
          flags.inventoryChangeRate,
          '--inventory-change-rate',
          0,
          1,
          true,
        ),
        taskResultRate: parseNumberIn(flags.taskResultRate, '--task-result-rate', 0, 1, true),
      },
      verify: flags.verify === true,
      onProgress: (line) => process.stderr.write(`smc simulate: ${line}\n`),
    };
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
}

/** Flags that only make sense with agents, refused when the devices run alone. */
const AGENT_ONLY_FLAGS = [
  ['ca', '--ca'],
  ['enrollToken', '--enroll-token'],
  ['consoleUrl', '--console-url'],
  ['adminTokenFile', '--admin-token-file'],
  ['rate', '--rate'],
  ['ramp', '--ramp'],
  ['findCapacity', '--find-capacity'],
  ['identities', '--identities'],
  ['proxy', '--proxy'],
  ['osMix', '--os-mix'],
  ['verify', '--verify'],
] as const;

function refuseAgentOnlyFlags(flags: SimulateFlags): void {
  for (const [key, flag] of AGENT_ONLY_FLAGS) {
    if (flags[key] !== undefined)
      throw new UsageError(
        `${flag}: applies to agents; add --target (and --agents) to run agents beside the devices`,
      );
  }
}

const MDM_FLAGS = [
  ['mdmTarget', '--mdm-target'],
  ['mdmEnrollUrl', '--mdm-enroll-url'],
  ['mdmCa', '--mdm-ca'],
  ['mdmEnrollToken', '--mdm-enroll-token'],
] as const;

/** The phones' half of the run, or undefined without --devices; problems name their flag. */
async function deviceOptionsFrom(
  flags: SimulateFlags,
): Promise<DeviceSimulationOptions | undefined> {
  try {
    if (flags.devices === undefined) {
      for (const [key, flag] of MDM_FLAGS) {
        if (flags[key] !== undefined) throw new RangeError(`${flag}: only applies with --devices`);
      }
      return undefined;
    }
    const devices = parseWhole(flags.devices, '--devices', 1, 1_000_000);
    for (const [key, flag] of MDM_FLAGS) {
      if (flags[key] === undefined) throw new RangeError(`${flag}: required with --devices`);
    }
    if (flags.shard !== '1/1')
      throw new RangeError('--shard: devices are not sharded; run them in one process');
    const target = parseTargetUrl(flags.mdmTarget as string, '--mdm-target');
    const enroll = parseTargetUrl(flags.mdmEnrollUrl as string, '--mdm-enroll-url');
    const caPem = await readText(flags.mdmCa as string, '--mdm-ca');
    certificateFingerprint(caPem, '--mdm-ca');
    const token = flags.mdmEnrollToken as string;
    if (!/^\S{8,128}$/.test(token))
      throw new RangeError('--mdm-enroll-token: must be 8 to 128 characters without spaces');
    const seconds = (text: string, field: string) => parseDurationMs(text, field) / 1_000;
    const intervalSeconds = positive(
      seconds(flags.deviceInterval, '--device-interval'),
      '--device-interval',
    );
    const seed = parseWhole(flags.seed, '--seed', 0, 2 ** 31 - 1);
    return {
      devices,
      target: { ...target, caPem },
      enroll: { ...enroll, caPem },
      enrollToken: token,
      androidRatio: parseNumberIn(flags.androidRatio, '--android-ratio', 0, 1, true),
      intervalSeconds,
      jitterFraction: DEFAULT_DEVICE_JITTER_FRACTION,
      durationSeconds: positive(seconds(flags.duration, '--duration'), '--duration'),
      timeScale: parseNumberIn(flags.timeScale, '--time-scale', 0.001, 100_000),
      seed,
      timeoutMs: positive(parseDurationMs(flags.timeout, '--timeout'), '--timeout'),
      onProgress: (line) => process.stderr.write(`smc simulate: ${line}\n`),
    };
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
}

function workloadFrom(
  flags: SimulateFlags,
  seconds: (text: string, field: string) => number,
  lateThresholdMs: number,
): WorkloadMode {
  if (flags.rate) return { kind: 'rate', ratePerSecond: parseRatePerSecond(flags.rate, '--rate') };
  if (flags.ramp)
    return { kind: 'ramp', shape: parseRamp(flags.ramp, '--ramp', (t) => seconds(t, '--ramp')) };
  if (flags.findCapacity) {
    const startRate = parseRatePerSecond(flags.startRate, '--start-rate');
    const maxRate = parseRatePerSecond(flags.maxRate, '--max-rate');
    if (maxRate < startRate) throw new RangeError('--max-rate: must be at least --start-rate');
    return {
      kind: 'capacity',
      search: {
        slos: (flags.slo.length > 0 ? flags.slo : DEFAULT_SLOS).map((text) =>
          parseSlo(text, '--slo'),
        ),
        startRate,
        maxRate,
        growth: parseNumberIn(flags.stepGrowth, '--step-growth', 1.01, 10),
        stepSeconds: positive(seconds(flags.stepDuration, '--step-duration'), '--step-duration'),
        lateThresholdMs,
      },
    };
  }
  return {
    kind: 'fleet',
    intervalSeconds: positive(seconds(flags.interval, '--interval'), '--interval'),
  };
}

function positive(value: number, field: string): number {
  if (!(value > 0)) throw new RangeError(`${field}: must be above 0`);
  return value;
}

function nonEmpty(value: string, field: string): string {
  if (value.trim() === '') throw new RangeError(`${field}: must not be empty`);
  return value;
}

function parseConsoleUrl(text: string): string {
  return parseTargetUrl(text, '--console-url').url;
}

async function readText(path: string, field: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new RangeError(
      `${field}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
}

async function _writableTarget(path: string, field: string): Promise<void> {
  try {
    await access(dirname(path));
  } catch {
    throw new UsageError(`${field}: the folder of ${path} does not exist`);
  }
}
