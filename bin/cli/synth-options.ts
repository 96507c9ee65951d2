import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { OfficeProps, SmcDeploymentProps } from '../../constructs/index.js';
import type { AzurePlatformProps } from '../../provider/azure/index.js';
import type { PropsError, StateBackendProps } from '../../provider/index.js';
import { parseDurationSeconds, type SizingInputError } from '../../sizing/index.js';
import { PLAN_FLAGS, type PlanFlagValues, planInputFrom } from './plan-options.js';
import { loadSynthConfig, type SynthConfig } from './synth-config.js';
import { UsageError } from './usage-error.js';

/** What commander hands over for `smc synth`'s own flags. */
export interface SynthFlagValues extends PlanFlagValues {
  config?: string;
  hosts?: string;
  location?: string;
  namePrefix?: string;
  keyVaultAllowedCidr?: string[];
  diagnosticsWorkspace?: string;
  officeProxies?: 'on-premises' | 'vnet';
  agentCidr?: string[];
  adminCidr?: string[];
  deviceCidr?: string[];
  proxyFlavor?: 'apache' | 'squid';
  database?: 'postgresql' | 'citus';
  artifact?: string;
  npmRegistry?: string;
  nodeVersion?: string;
  nodeMirror?: string;
  backend?: string;
  backendConfig?: string[];
  out: string;
  hcl?: boolean;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The flags an architect sets on `smc synth`; each has a config-file field of the same meaning. */
export function addSynthOptions(command: Command): Command {
  return command
    .option('--config <file>', 'JSON file with any of the settings below (flags win over it)')
    .option(
      '--hosts <file>',
      'vms only: JSON file of existing hosts per role ({"server":[{"address","sshUser","sshPrivateKeyPath"}],...})',
    )
    .option(
      '--agent-cidr <cidr>',
      'network agents at the main site connect from (repeatable)',
      collect,
    )
    .option(
      '--admin-cidr <cidr>',
      'network admins connect from: SSH, console (repeatable)',
      collect,
    )
    .option('--device-cidr <cidr>', 'network mobile devices connect from (repeatable)', collect)
    .addOption(
      new Option('--proxy-flavor <name>', 'office proxy software').choices(['apache', 'squid']),
    )
    .addOption(
      new Option(
        '--database <engine>',
        'azure only: citus = Cosmos DB for PostgreSQL cluster, logs sharded by agent id (largest tiers)',
      ).choices(['postgresql', 'citus']),
    )
    .option(
      '--artifact <spec-or-url>',
      'what hosts npm-install: smc-kit@x.y.z or an http(s) .tgz URL',
    )
    .option('--npm-registry <url>', 'npm registry (mirror) hosts install from')
    .option('--node-version <x.y.z>', 'Node.js version on the hosts')
    .option('--node-mirror <url>', 'mirror of https://nodejs.org/dist hosts download Node.js from')
    .option('--location <region>', 'azure only: region (default: westeurope)')
    .option('--name-prefix <prefix>', 'azure only: prefix of every resource name (default: smc)')
    .option(
      '--key-vault-allowed-cidr <cidr>',
      'azure only: public address terraform applies from, let into Key Vault (repeatable)',
      collect,
    )
    .option('--diagnostics-workspace <id>', 'azure only: Log Analytics workspace resource id')
    .addOption(
      new Option(
        '--office-proxies <where>',
        'azure only: office proxies on-premises or in the VNet',
      ).choices(['on-premises', 'vnet']),
    )
    .option('--backend <type>', 'Terraform state backend: local, azurerm, s3, gcs, http, ...')
    .option(
      '--backend-config <key=value>',
      'a backend setting (repeatable); missing ones go to terraform init -backend-config',
      (value: string, previous: string[] = []) => {
        if (!/^[a-z][a-z0-9_]*=.*$/.test(value)) {
          throw new InvalidArgumentError(
            `--backend-config: must be key=value (got ${JSON.stringify(value)})`,
          );
        }
        return [...previous, value];
      },
    );
}

/** Everything `smc synth` builds from, merged: flags over the config file over defaults. */
export interface SynthSettings {
  readonly planInput: Record<string, unknown>;
  readonly deployment: Omit<SmcDeploymentProps, 'platform' | 'plan' | 'sizing'>;
  readonly azure: AzurePlatformProps;
  readonly vms: {
    readonly hosts: unknown;
    /** Where the hosts came from, for error messages. */
    readonly hostsSource: string | undefined;
    readonly dnsZone: string | undefined;
    readonly etcHosts: boolean | undefined;
  };
  readonly backend: StateBackendProps;
  /** Turns a props or sizing error into one line naming the flag or config field it came from. */
  describeError(error: PropsError | SizingInputError): string;
}

/** Sizing field -> the commander option that sets it (to tell typed flags from defaults). */
const PLAN_OPTION_KEYS: Readonly<Record<string, keyof SynthFlagValues>> = {
  clients: 'clients',
  mobileDevices: 'mobileDevices',
  offices: 'offices',
  officeClients: 'officeClients',
  platform: 'platform',
  highAvailability: 'ha',
  phase: 'phase',
  replicationIntervalSeconds: 'interval',
};

/** Field of the props -> the flag that sets it, so errors name what the user typed. */
const PROPS_FLAGS: Readonly<Record<string, string>> = {
  agentCidrs: '--agent-cidr',
  adminCidrs: '--admin-cidr',
  deviceCidrs: '--device-cidr',
  artifact: '--artifact',
  npmRegistry: '--npm-registry',
  nodeVersion: '--node-version',
  nodeMirror: '--node-mirror',
  location: '--location',
  namePrefix: '--name-prefix',
  keyVaultAllowedCidrs: '--key-vault-allowed-cidr',
  diagnosticsWorkspaceId: '--diagnostics-workspace',
  officeProxies: '--office-proxies',
  backend: '--backend',
  officeClients: '--office-clients',
  'database.engine': '--database',
};

export function resolveSynthSettings(command: Command, flags: SynthFlagValues): SynthSettings {
  const config: SynthConfig = flags.config ? loadSynthConfig(flags.config) : {};
  const fromFlag = new Set<string>();
  // A flag counts only when typed: commander fills defaults, which must not beat the file.
  const typed = (name: keyof SynthFlagValues) =>
    command.getOptionValueSource(name as string) === 'cli';
  const pick = <T>(name: keyof SynthFlagValues, field: string, fileValue: T | undefined) => {
    if (typed(name) && flags[name] !== undefined) {
      fromFlag.add(field);
      return flags[name] as unknown as T;
    }
    return fileValue;
  };

  const { offices: configOffices } = config;
  const officeSites = Array.isArray(configOffices) ? configOffices : undefined;
  const officeClients = pick<number[]>(
    'officeClients',
    'officeClients',
    officeSites?.some((o) => o.clients !== undefined)
      ? officeSites.map((o, i) => {
          if (o.clients === undefined) {
            throw new UsageError(
              `--config ${flags.config}: offices[${i}].clients: must be given for every office when any office has it`,
            );
          }
          return o.clients;
        })
      : undefined,
  );
  if (officeSites && officeClients && officeClients.length !== officeSites.length) {
    throw new UsageError(
      `--office-clients: lists ${officeClients.length} offices, the config file ${officeSites.length}`,
    );
  }
  const interval =
    typed('interval') || config.interval === undefined
      ? flags.interval
      : parseDurationSeconds(config.interval, `--config ${flags.config}: interval`);
  const planValues: PlanFlagValues = {
    clients: pick('clients', 'clients', config.clients),
    mobileDevices: pick('mobileDevices', 'mobileDevices', config.mobileDevices) ?? 0,
    offices: pick(
      'offices',
      'offices',
      typeof configOffices === 'number' ? configOffices : officeSites?.length,
    ),
    platform: pick('platform', 'platform', config.platform) ?? 'azure',
    phase: pick('phase', 'phase', config.phase) ?? 'steady',
    ...(typed('ha')
      ? { ha: flags.ha }
      : config.highAvailability !== undefined
        ? { ha: config.highAvailability }
        : {}),
    ...(interval !== undefined ? { interval } : {}),
    ...(officeClients ? { officeClients } : {}),
    // The engine sizes the database too: a Citus cluster may hold more than one server's disk.
    ...optional('database', pick('database', 'database.engine', config.database?.engine)),
  };
  for (const [field, option] of Object.entries(PLAN_OPTION_KEYS)) {
    if (typed(option)) fromFlag.add(field);
  }

  const backendPairs = typed('backendConfig') ? (flags.backendConfig ?? []) : [];
  const backendConfig = {
    ...(config.backend?.config ?? {}),
    ...Object.fromEntries(
      backendPairs.map((pair) => {
        const at = pair.indexOf('=');
        return [pair.slice(0, at), pair.slice(at + 1)];
      }),
    ),
  };
  const backendType = pick<string>('backend', 'backend', config.backend?.type);

  const offices: OfficeProps[] | undefined = officeSites?.map(({ clients: _, ...site }) => site);
  const deployment: SynthSettings['deployment'] = {
    ...optional('agentCidrs', pick('agentCidr', 'agentCidrs', config.agentCidrs)),
    ...optional('adminCidrs', pick('adminCidr', 'adminCidrs', config.adminCidrs)),
    ...optional('deviceCidrs', pick('deviceCidr', 'deviceCidrs', config.deviceCidrs)),
    ...optional('offices', offices),
    ...optional('proxy', {
      ...config.proxy,
      ...optional('flavor', pick('proxyFlavor', 'proxy.flavor', config.proxy?.flavor)),
    }),
    ...optional('database', {
      ...config.database,
      ...optional('engine', pick('database', 'database.engine', config.database?.engine)),
    }),
    ...optional('rogueDetection', config.rogueDetection),
    ...optional('tags', config.tags),
    ...optional('version', config.version),
    ...optional('artifact', pick('artifact', 'artifact', config.artifact)),
    ...optional('npmRegistry', pick('npmRegistry', 'npmRegistry', config.npmRegistry)),
    ...optional('nodeVersion', pick('nodeVersion', 'nodeVersion', config.nodeVersion)),
    ...optional('nodeMirror', pick('nodeMirror', 'nodeMirror', config.nodeMirror)),
  };
  const azureConfig = config.azure ?? {};
  const azure: AzurePlatformProps = {
    ...azureConfig,
    location: pick('location', 'location', azureConfig.location) ?? 'westeurope',
    ...optional('namePrefix', pick('namePrefix', 'namePrefix', azureConfig.namePrefix)),
    ...optional(
      'keyVaultAllowedCidrs',
      pick('keyVaultAllowedCidr', 'keyVaultAllowedCidrs', azureConfig.keyVaultAllowedCidrs),
    ),
    ...optional(
      'diagnosticsWorkspaceId',
      pick('diagnosticsWorkspace', 'diagnosticsWorkspaceId', azureConfig.diagnosticsWorkspaceId),
    ),
    ...optional('officeProxies', pick('officeProxies', 'officeProxies', azureConfig.officeProxies)),
    ...optional('dnsZone', config.dnsZone),
  };
  const hostsFlag = typed('hosts') ? flags.hosts : undefined;
  const vms = hostsFlag
    ? { hosts: readJsonFile('--hosts', hostsFlag), hostsSource: `--hosts ${hostsFlag}` }
    : typeof config.hosts === 'string'
      ? {
          hosts: readJsonFile(
            `--config ${flags.config}: hosts`,
            resolve(dirname(flags.config ?? '.'), config.hosts),
          ),
          hostsSource: `--config ${flags.config}: hosts ${config.hosts}`,
        }
      : { hosts: config.hosts, hostsSource: config.hosts ? `--config ${flags.config}` : undefined };
  if (hostsFlag) fromFlag.add('hosts');

  const describeError = (error: PropsError | SizingInputError): string => {
    const root = error.field.split(/[.[]/)[0] ?? error.field;
    if (root === 'hosts' && vms.hostsSource) return `${vms.hostsSource}: ${error.message}`;
    const backendSetting = /^backend\.config\.(.+)$/.exec(error.field);
    if (backendSetting && backendPairs.some((p) => p.startsWith(`${backendSetting[1]}=`))) {
      return `--backend-config ${backendSetting[1]}: ${error.message.slice(error.field.length + 2)}`;
    }
    const key = PROPS_FLAGS[error.field] ? error.field : root;
    const flag = PROPS_FLAGS[key] ?? (PLAN_FLAGS as Record<string, string>)[key];
    // Typed on the command line, or (no file) the flag's default: name the flag.
    if (flag && (fromFlag.has(key) || !flags.config)) {
      return `${flag}: ${error.message.slice(error.field.length + 2)}`;
    }
    return flags.config ? `--config ${flags.config}: ${error.message}` : error.message;
  };

  return {
    planInput: planInputFrom(planValues),
    deployment,
    azure,
    vms: { ...vms, dnsZone: config.dnsZone, etcHosts: config.etcHosts },
    backend: {
      ...(backendType ? { type: backendType } : {}),
      ...(Object.keys(backendConfig).length > 0 ? { config: backendConfig } : {}),
    },
    describeError,
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  if (value === undefined) return {};
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    if (Object.keys(value).length === 0) return {};
  }
  return { [key]: value } as { [P in K]?: V };
}

function readJsonFile(label: string, path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `${label}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${label} ${path}: not valid JSON (${(error as Error).message})`);
  }
}
