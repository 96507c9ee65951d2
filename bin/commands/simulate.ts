import { type Command, Option } from 'commander';
// The --connection choices, read at registration: the lists' own modules, not the simulator's
// door, so `smc --help` does not load faker and MQTT (see test/design/front-doors.test.ts).
import { DEVICE_CONNECTION_MODES } from '../../simulator/devices/device-simulation-options.js';
import { CONNECTION_MODES } from '../../simulator/transport/agent-transport.js';
import { addOptionsFileAndEnvironment, optionsWithFile } from '../cli/options-file.js';
import { runAction } from '../cli/run-action.js';

export interface SimulateFlags {
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
  config?: string;
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
  minReplications?: string;
  json?: string;
  html?: string;
  verify?: boolean;
  devices?: string;
  mdmTarget?: string;
  mdmEnrollUrl?: string;
  mdmCa?: string;
  mdmEnrollToken?: string;
  deviceInterval: string;
  deviceConnection: string;
  androidRatio: string;
  wakeups: string;
  pushUrl?: string;
  taskProbe?: string;
  taskProbeTargets: string;
  rogues?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];
export const DEFAULT_SLOS = ['p99<250ms', 'errors<0.1%'];

export function registerSimulateCommand(program: Command): void {
  const command = program
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
    .addOption(
      new Option('--slo <expr>', "capacity search SLO, repeatable, e.g. --slo 'p99<250ms'")
        .argParser(collect)
        .default([], DEFAULT_SLOS.map((slo) => `'${slo}'`).join(' ')),
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
    .addOption(
      new Option(
        '--threshold <expr>',
        "gate, repeatable: e.g. --threshold 'p99<250ms' (exit 99 when one fails)",
      )
        .argParser(collect)
        .default([], 'none'),
    )
    .option(
      '--thresholds-file <file>',
      'gates from a JSON file: { "thresholds": ["p99<250ms", ...] }',
    )
    .option(
      '--min-replications <n>',
      'a gate (or capacity step) with fewer completed replications fails: not enough data (default 100; a fleet run must also cover one interval)',
    )
    .option(
      '--json <file>',
      'write the results as JSON (- for stdout; the summary then goes to stderr)',
    )
    .option('--html <file>', 'write an HTML report')
    .option(
      '--verify',
      'at the end, ask the console API whether every acknowledged log is stored with the content sent (digests, not counts)',
    )
    .addOption(
      new Option(
        '--wakeups <on|off>',
        'agents hold an MQTT push session (own certificate) and replicate when woken',
      )
        .choices(['on', 'off'])
        .default('off'),
    )
    .option(
      '--push-url <url>',
      "with --wakeups on: the push broker (default mqtts://<--target's host>:8883)",
    )
    .option(
      '--task-probe <every>',
      'create a task on the console API this often (e.g. 10s) and report task delivery latency (needs --console-url)',
    )
    .option('--task-probe-targets <n>', 'agents each probe task targets', '10')
    .option(
      '--rogues <n>',
      "play Rogue Detection Sensors reporting the fleet's machines plus n unmanaged ones; the summary says how many the server judged rogue vs managed (needs --console-url)",
    )
    .option('--devices <n>', 'simulated phones checking in to a Mobile Device Connector')
    .option('--mdm-target <url>', "connector's device check-in port, e.g. https://127.0.0.1:9981")
    .option('--mdm-enroll-url <url>', "connector's enrollment port, e.g. https://127.0.0.1:9980")
    .option('--mdm-ca <file>', "PEM of the connector's device CA (verifies both its ports)")
    .option('--mdm-enroll-token <token>', "MDM enrollment token from the connector's console API")
    .option(
      '--device-interval <duration>',
      'time between two check-ins of one device, until the connector says otherwise',
      '5m',
    )
    .addOption(
      new Option(
        '--device-connection <mode>',
        'one long-lived connection per device, or one per check-in (TLS resumed)',
      )
        .choices(DEVICE_CONNECTION_MODES)
        .default('persistent'),
    )
    .option('--android-ratio <share>', 'share of the devices that run Android (rest iOS)', '0.7')
    .addHelpText(
      'after',
      "\nExamples:\n  smc simulate --target https://127.0.0.1:2222 --ca ca.pem --enroll-token T --agents 5000 --interval 10m --time-scale 60 --duration 2m\n  smc simulate --target https://smc:2222 --ca ca.pem --identities .smc/ids --rate 800/s --duration 5m --proxy http://proxy:3128\n  smc simulate --target https://127.0.0.1:2222 --ca ca.pem --enroll-token T --find-capacity --slo 'p99<250ms' --slo 'errors<0.1%'\n  smc simulate --devices 2000 --mdm-target https://127.0.0.1:9981 --mdm-enroll-url https://127.0.0.1:9980 --mdm-ca mdm-ca.pem --mdm-enroll-token T --device-interval 5m --time-scale 60 --duration 2m",
    );
  addOptionsFileAndEnvironment(command).action((_flags: SimulateFlags, self: Command) =>
    runAction(async () => {
      const flags = await optionsWithFile<SimulateFlags>(self);
      // Loaded here so that other commands (and --help) do not pay for the simulator.
      const { simulate } = await import('./simulate-run.js');
      return simulate(flags);
    }),
  );
}
