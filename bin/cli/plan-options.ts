import { type Command, Option } from 'commander';
import { PHASES, PLATFORMS, type SizingInput } from '../../sizing/index.js';
import { durationSecondsFlag, numberish } from './flags.js';

/** Sizing-model field -> the flag that sets it, so model errors name the flag typed. */
export const PLAN_FLAGS = {
  clients: '--clients',
  mobileDevices: '--mobile-devices',
  offices: '--offices',
  officeClients: '--office-clients',
  platform: '--platform',
  highAvailability: '--ha',
  phase: '--phase',
  replicationIntervalSeconds: '--interval',
  logsPerClientPerDay: '--logs-per-client-day',
  databaseEngine: '--database',
  serverUsPerReplication: '--server-us-per-replication',
  serverKiBPerSession: '--server-kib-per-session',
} as const;

/** What commander hands over for the plan flags (numbers stay text when not numeric). */
export interface PlanFlagValues {
  clients?: number | string;
  mobileDevices?: number | string;
  offices?: number | string;
  officeClients?: (number | string)[];
  platform?: string;
  ha?: boolean;
  phase?: string;
  interval?: number;
  logsPerClientDay?: number | string;
  /** `smc plan --database` and `smc synth --database`. */
  database?: string;
  serverUsPerReplication?: number | string;
  serverKibPerSession?: number | string;
}

/**
 * The sizing flags every command that builds a plan shares (`plan`, `synth`, `rehearse`).
 * `clientsDefault` makes --clients optional for commands with a default fleet.
 */
export function addPlanOptions(
  command: Command,
  options: { clientsDefault?: number; clientsOptional?: boolean } = {},
): Command {
  const clientsHelp = 'desktop and server agents (1 to 10,000,000)';
  if (options.clientsDefault !== undefined)
    command.option('--clients <n>', clientsHelp, numberish, options.clientsDefault);
  // Optional when another source (a config file) may give it; the command then checks.
  else if (options.clientsOptional) command.option('--clients <n>', clientsHelp, numberish);
  else command.requiredOption('--clients <n>', clientsHelp, numberish);
  return command
    .option('--mobile-devices <n>', 'phones and tablets behind the MDM connector', numberish, 0)
    .option('--offices <n>', 'branch offices that reach the server through a proxy', numberish)
    .option(
      '--office-clients <list>',
      'clients in each office, e.g. 200,150,80 (sets --offices; the rest are at the main site)',
      (value: string) => value.split(',').map((part) => numberish(part.trim())),
    )
    .addOption(new Option('--platform <name>', 'where it runs').choices(PLATFORMS).default('azure'))
    .option(
      '--ha',
      'high availability: server pair and replicated database (default: on above 50,000 clients)',
    )
    .option('--no-ha', 'single server and database even for large tiers')
    .addOption(
      new Option('--phase <name>', "which of the guide's intervals applies")
        .choices(PHASES)
        .default('steady'),
    )
    .option(
      '--interval <duration>',
      "override the guide's interval, e.g. 90s, 10m, 1h",
      durationSecondsFlag('--interval'),
    )
    .option(
      '--logs-per-client-day <n>',
      'logs a computer sends per day in steady use; sizes the database disk (default: 20, ours)',
      numberish,
    )
    .option(
      '--server-us-per-replication <us>',
      'server CPU per replication (smc rehearse prints yours); sizes nodes by rate (default: 218, measured)',
      numberish,
    )
    .option(
      '--server-kib-per-session <KiB>',
      'server memory per held agent session (smc rehearse prints yours); sizes nodes by sessions (default: 74, measured)',
      numberish,
    );
}

/** The sizing input the flags describe; validation is the model's (planDeployment). */
export function planInputFrom(
  values: PlanFlagValues,
): Record<keyof SizingInput, unknown> | Record<string, unknown> {
  return {
    clients: values.clients,
    mobileDevices: values.mobileDevices,
    ...(values.offices === undefined ? {} : { offices: values.offices }),
    ...(values.officeClients === undefined ? {} : { officeClients: values.officeClients }),
    platform: values.platform,
    phase: values.phase,
    ...(values.ha === undefined ? {} : { highAvailability: values.ha }),
    ...(values.interval === undefined ? {} : { replicationIntervalSeconds: values.interval }),
    ...(values.logsPerClientDay === undefined
      ? {}
      : { logsPerClientPerDay: values.logsPerClientDay }),
    ...(values.database === undefined ? {} : { databaseEngine: values.database }),
    ...(values.serverUsPerReplication === undefined
      ? {}
      : { serverUsPerReplication: values.serverUsPerReplication }),
    ...(values.serverKibPerSession === undefined
      ? {}
      : { serverKiBPerSession: values.serverKibPerSession }),
  };
}
