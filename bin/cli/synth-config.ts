import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { type Static, Type } from 'typebox';
import { UsageError } from './usage-error.js';

const Cidrs = Type.Array(Type.String(), { minItems: 1 });
const Strict = { additionalProperties: false } as const;

const Office = Type.Object(
  {
    name: Type.Optional(Type.String()),
    clients: Type.Optional(Type.Integer({ minimum: 1 })),
    agentCidrs: Type.Optional(Cidrs),
    proxyCidrs: Type.Optional(Cidrs),
    proxies: Type.Optional(Type.Integer()),
    proxyFlavor: Type.Optional(Type.Union([Type.Literal('apache'), Type.Literal('squid')])),
  },
  Strict,
);

const Host = Type.Object(
  {
    address: Type.String(),
    sshUser: Type.String(),
    sshPrivateKeyPath: Type.String(),
    sshPort: Type.Optional(Type.Integer()),
    office: Type.Optional(Type.String()),
  },
  Strict,
);

/**
 * What `smc synth --config FILE` reads: everything an architect sets, in one JSON file the
 * team can review and keep. Field names are the props' own (SmcDeploymentProps,
 * AzurePlatformProps), so an error from the constructs names the same field. Flags given on
 * the command line win over the file.
 */
export const SynthConfigSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    // sizing
    clients: Type.Optional(Type.Integer()),
    mobileDevices: Type.Optional(Type.Integer()),
    platform: Type.Optional(Type.Union([Type.Literal('azure'), Type.Literal('vms')])),
    highAvailability: Type.Optional(Type.Boolean()),
    phase: Type.Optional(Type.Union([Type.Literal('deployment'), Type.Literal('steady')])),
    interval: Type.Optional(Type.String({ description: 'e.g. "10m"' })),
    /** A count of offices, or the offices as sites (clients per office, where agents are). */
    offices: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Array(Office)])),
    // networks
    agentCidrs: Type.Optional(Cidrs),
    adminCidrs: Type.Optional(Cidrs),
    deviceCidrs: Type.Optional(Cidrs),
    dnsZone: Type.Optional(Type.String()),
    // roles
    proxy: Type.Optional(
      Type.Object(
        {
          flavor: Type.Optional(Type.Union([Type.Literal('apache'), Type.Literal('squid')])),
          updateHosts: Type.Optional(Type.Array(Type.String())),
          cacheGiB: Type.Optional(Type.Integer()),
        },
        Strict,
      ),
    ),
    database: Type.Optional(
      Type.Object(
        {
          version: Type.Optional(Type.String()),
          backupRetentionDays: Type.Optional(Type.Integer()),
          geoRedundantBackup: Type.Optional(Type.Boolean()),
          skuName: Type.Optional(Type.String()),
          engine: Type.Optional(Type.Union([Type.Literal('postgresql'), Type.Literal('citus')])),
        },
        Strict,
      ),
    ),
    rogueDetection: Type.Optional(
      Type.Object(
        {
          sensors: Type.Optional(
            Type.Union([
              Type.Literal('per-network'),
              Type.Literal('main-site'),
              Type.Literal('none'),
            ]),
          ),
          interface: Type.Optional(Type.String()),
        },
        Strict,
      ),
    ),
    tags: Type.Optional(Type.Record(Type.String(), Type.String())),
    // where the hosts install from
    version: Type.Optional(Type.String()),
    artifact: Type.Optional(Type.String()),
    npmRegistry: Type.Optional(Type.String()),
    nodeVersion: Type.Optional(Type.String()),
    nodeMirror: Type.Optional(Type.String()),
    // platforms
    hosts: Type.Optional(
      Type.Union([
        Type.String({ description: 'path of a hosts file, relative to this file' }),
        Type.Record(Type.String(), Type.Array(Host)),
      ]),
    ),
    etcHosts: Type.Optional(Type.Boolean()),
    azure: Type.Optional(
      Type.Object(
        {
          location: Type.Optional(Type.String()),
          namePrefix: Type.Optional(Type.String()),
          existingResourceGroupName: Type.Optional(Type.String()),
          addressSpace: Type.Optional(Type.String()),
          adminUsername: Type.Optional(Type.String()),
          adminSshPublicKey: Type.Optional(Type.String()),
          lock: Type.Optional(Type.Union([Type.Literal('CanNotDelete'), Type.Literal('ReadOnly')])),
          diagnosticsWorkspaceId: Type.Optional(Type.String()),
          keyVaultAllowedCidrs: Type.Optional(Type.Array(Type.String())),
          officeProxies: Type.Optional(
            Type.Union([Type.Literal('on-premises'), Type.Literal('vnet')]),
          ),
        },
        Strict,
      ),
    ),
    backend: Type.Optional(
      Type.Object(
        {
          type: Type.String(),
          config: Type.Optional(
            Type.Record(Type.String(), Type.Union([Type.String(), Type.Boolean(), Type.Number()])),
          ),
        },
        Strict,
      ),
    ),
  },
  Strict,
);

export type SynthConfig = Static<typeof SynthConfigSchema>;

// verbose: errors carry their schema, so a wrong choice can list the allowed values.
const validate = new Ajv({ allErrors: false, strict: false, verbose: true }).compile(
  SynthConfigSchema,
);

/** Reads and checks a config file; every error is one line naming the file and the field. */
export function loadSynthConfig(file: string): SynthConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--config: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--config ${file}: not valid JSON (${(error as Error).message})`);
  }
  if (!validate(value)) {
    // With anyOf, ajv lists each branch's failures and then the anyOf itself. The deepest
    // failure is inside the branch the value meant to be (an office's field, not "offices is
    // no number"); at equal depth the anyOf comes last and lists the choices.
    const errors = validate.errors ?? [];
    const depth = (e: ErrorObject) => e.instancePath.split('/').length;
    const deepest = errors.reduce<ErrorObject | undefined>(
      (best, e) => (best === undefined || depth(e) >= depth(best) ? e : best),
      undefined,
    );
    throw new UsageError(`--config ${file}: ${describeError(deepest)}`);
  }
  return value as SynthConfig;
}

/** `offices[0].clients: must be >= 1`, the way construct errors name fields. */
function describeError(error: ErrorObject | undefined): string {
  if (!error) return 'does not match the config schema';
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce(
      (acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part),
      '',
    );
  const field = path || '(top level)';
  if (error.keyword === 'additionalProperties') {
    const extra = String(error.params.additionalProperty);
    return `${path ? `${path}.` : ''}${extra}: is not a config field${path ? '' : ' (see smc synth --help)'}`;
  }
  if (error.keyword === 'anyOf') {
    const branches = (Array.isArray(error.schema) ? error.schema : []) as { const?: unknown }[];
    const choices = branches.map((b) => b.const).filter((c) => c !== undefined);
    return choices.length === branches.length && choices.length > 0
      ? `${field}: must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`
      : `${field}: has the wrong type (see smc synth --help)`;
  }
  return `${field}: ${error.message ?? 'is not valid'}`;
}
