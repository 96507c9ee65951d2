import { readFile } from 'node:fs/promises';
import { DEFAULT_PUSH_PORT } from '../../protocol/index.js';
import type { ConnectionMode, SimulationOptions, WorkloadMode } from '../../simulator/index.js';
import {
  certificateFingerprint,
  DEFAULT_DEVICE_JITTER_FRACTION,
  DEFAULT_OS_MIX,
  type DeviceConnectionMode,
  type DeviceSimulationOptions,
  type DeviceSimulationOutcome,
  deviceOutcomeLine,
  devicesOnlySimulationOptions,
  devicesOnlySimulationOutcome,
  IdentityCacheMismatch,
  isStdout,
  parseNumberIn,
  parseOsMix,
  parseProxyUrl,
  parseRamp,
  parseRatePerSecond,
  parseShard,
  parseSlo,
  parseTargetUrl,
  parseWhole,
  pushOutcomeLines,
  RunReporting,
  rogueOutcomeLines,
  runDeviceSimulation,
  runSimulation,
  type SimulationOutcome,
  SimulationSetupError,
  validateSimulationOptions,
} from '../../simulator/index.js';
import { parseDurationMs } from '../../sizing/index.js';
import { EXIT } from '../cli/exit-codes.js';
import { RunInterruption } from '../cli/run-interruption.js';
import { tlsTrustError } from '../cli/tls-trust-error.js';
import { UsageError } from '../cli/usage-error.js';
import { renderRunSummary } from '../render/run-summary.js';

import { DEFAULT_SLOS, type SimulateFlags } from './simulate.js';

/** The work behind `smc simulate`, loaded only when it runs (simulator modules are heavy). */
export async function simulate(flags: SimulateFlags): Promise<number> {
  const reporting = await RunReporting.prepare(flags);
  const interruption = new RunInterruption('smc simulate');
  const { signal } = interruption;
  const devicesParsed = await deviceOptionsFrom(flags);
  const devices = devicesParsed && { ...devicesParsed, signal };
  const agentsRun = !devices || flags.target !== undefined || flags.agents !== undefined;
  if (devices && !agentsRun) refuseAgentOnlyFlags(flags);
  const devicesRun = devices && { ...devices, alone: !agentsRun };
  const agentsParsed = agentsRun
    ? await simulationOptionsFrom(flags, reporting.dataRule.minReplications)
    : undefined;
  const agents = agentsParsed && { ...agentsParsed, signal };
  try {
    return await simulateWith(reporting, interruption, agents, devices, devicesRun, flags);
  } finally {
    interruption.dispose();
  }
}

async function simulateWith(
  reporting: RunReporting,
  interruption: RunInterruption,
  agents: SimulationOptions | undefined,
  devices: DeviceSimulationOptions | undefined,
  devicesRun: (DeviceSimulationOptions & { alone: boolean }) | undefined,
  flags: SimulateFlags,
): Promise<number> {
  interruption.listen();
  const options =
    agents ??
    devicesOnlySimulationOptions(
      devices as DeviceSimulationOptions,
      parseDurationMs(flags.lateAfter, '--late-after'),
    );
  const recorder = reporting.createRecorder(options, process.stderr);
  let outcome: SimulationOutcome;
  try {
    // Agents and phones share the recorder: one set of histograms, gates and reports.
    const [agentOutcome, deviceOutcome] = await Promise.all([
      agents ? runSimulation(agents, recorder) : undefined,
      devicesRun ? runDeviceSimulation(devicesRun, recorder) : undefined,
    ]);
    outcome = {
      ...(agentOutcome ?? devicesOnlySimulationOutcome(deviceOutcome as DeviceSimulationOutcome)),
      ...(deviceOutcome ? { devices: deviceOutcome } : {}),
    };
  } catch (error) {
    if (error instanceof SimulationSetupError || error instanceof IdentityCacheMismatch) {
      throw new UsageError(error.message);
    }
    const trust =
      (agents && tlsTrustError(error, '--ca', flags.ca as string, agents.target.url)) ??
      (devices && tlsTrustError(error, '--mdm-ca', flags.mdmCa as string, devices.target.url));
    if (trust) throw trust;
    throw error;
  }
  const interrupted = interruption.signalName;
  const { exitCode } = await reporting.finish(
    options,
    interrupted ? { ...outcome, interruptedBy: interrupted } : outcome,
    recorder,
    // With --json - the JSON owns stdout; the human summary moves to stderr.
    (result) =>
      (isStdout(flags.json) ? process.stderr : process.stdout).write(renderRunSummary(result)),
  );
  if (outcome.devices) process.stdout.write(`${deviceOutcomeLine(outcome.devices)}\n`);
  if (outcome.push) process.stdout.write(`${pushOutcomeLines(outcome.push)}\n`);
  if (outcome.rogues) process.stdout.write(`${rogueOutcomeLines(outcome.rogues)}\n`);
  if (interrupted) {
    process.stderr.write(
      `smc simulate: interrupted by ${interrupted} after ${outcome.wallSeconds.toFixed(1)} s: the summary and files cover the run so far (exit ${EXIT.interrupted})\n`,
    );
    return EXIT.interrupted;
  }
  return exitCode;
}

/** Turns flags into validated options; every problem is a UsageError naming its flag. */
async function simulationOptionsFrom(
  flags: SimulateFlags,
  minSamplesPerStep: number,
): Promise<SimulationOptions> {
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
    const mode = workloadFrom(flags, seconds, lateThresholdMs, minSamplesPerStep);
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
    const options: SimulationOptions = {
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
      ...pushOptionsFrom(flags, target.host, console !== undefined),
      ...roguesFrom(flags, console !== undefined),
      onProgress: (line) => process.stderr.write(`smc simulate: ${line}\n`),
    };
    // The model's own check, after the flags' stricter ones: it holds the same rules for
    // options built anywhere else (the rehearsal, a library user).
    const [problem] = validateSimulationOptions(options);
    if (problem)
      throw new RangeError(`${OPTION_FLAGS[problem.field] ?? problem.field}: ${problem.rule}`);
    return options;
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
}

/** The flag behind each field of SimulationOptions, so a model problem names what was typed. */
const OPTION_FLAGS: Readonly<Record<string, string>> = {
  agents: '--agents',
  shard: '--shard',
  durationSeconds: '--duration',
  timeScale: '--time-scale',
  seed: '--seed',
  timeoutMs: '--timeout',
  lateThresholdMs: '--late-after',
  enrollToken: '--enroll-token',
  'mode.intervalSeconds': '--interval',
  'mode.ratePerSecond': '--rate',
  'mode.shape.fromPerSecond': '--ramp',
  'mode.shape.toPerSecond': '--ramp',
  'mode.shape.overSeconds': '--ramp',
  'mode.search.startRate': '--start-rate',
  'mode.search.maxRate': '--max-rate',
  'mode.search.growth': '--step-growth',
  'mode.search.stepSeconds': '--step-duration',
  'behaviour.logsPerReplication': '--logs-per-replication',
  'behaviour.inventoryChangeRate': '--inventory-change-rate',
  'behaviour.taskResultRate': '--task-result-rate',
  verify: '--verify',
  taskProbe: '--task-probe',
  'taskProbe.everyMs': '--task-probe',
  'taskProbe.targetsPerTask': '--task-probe-targets',
  rogues: '--rogues',
};

/** --rogues: a count, and the console it reads the judgement from. */
function roguesFrom(flags: SimulateFlags, hasConsole: boolean): Pick<SimulationOptions, 'rogues'> {
  if (flags.rogues === undefined) return {};
  const rogues = parseWhole(flags.rogues, '--rogues', 0, 1_000_000);
  if (!hasConsole)
    throw new RangeError(
      '--rogues: needs --console-url and --admin-token-file (sensor tokens, and the judgement)',
    );
  return { rogues };
}

/** --wakeups, --push-url, --task-probe: throws RangeErrors naming the flag. */
function pushOptionsFrom(
  flags: SimulateFlags,
  targetHost: string,
  haveConsole: boolean,
): Pick<SimulationOptions, 'push' | 'taskProbe'> {
  if (flags.pushUrl !== undefined && flags.wakeups !== 'on')
    throw new RangeError('--push-url: only applies with --wakeups on');
  const push =
    flags.wakeups === 'on'
      ? {
          url: parsePushUrl(
            flags.pushUrl ?? `mqtts://${hostForUrl(targetHost)}:${DEFAULT_PUSH_PORT}`,
          ),
        }
      : undefined;
  if (flags.taskProbe === undefined) return push ? { push } : {};
  if (!haveConsole)
    throw new RangeError('--task-probe: needs --console-url and --admin-token-file');
  const everyMs = positive(parseDurationMs(flags.taskProbe, '--task-probe'), '--task-probe');
  const targetsPerTask = parseWhole(flags.taskProbeTargets, '--task-probe-targets', 1, 100_000);
  return { ...(push ? { push } : {}), taskProbe: { everyMs, targetsPerTask } };
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function parsePushUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RangeError(`--push-url: must be mqtts://host:port (got ${JSON.stringify(text)})`);
  }
  if (url.protocol !== 'mqtts:' || (url.pathname !== '' && url.pathname !== '/') || url.search)
    throw new RangeError(`--push-url: must be mqtts://host:port (got ${JSON.stringify(text)})`);
  return `mqtts://${url.host}${url.port ? '' : `:${DEFAULT_PUSH_PORT}`}`;
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
      connection: flags.deviceConnection as DeviceConnectionMode,
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
  minSamplesPerStep: number,
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
        minSamplesPerStep,
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
