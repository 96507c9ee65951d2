import { PropsError } from '../../provider/props-error.js';
import { type ArtifactProps, type ResolvedArtifact, resolveArtifact } from '../artifact.js';

/** Where the shards run: an existing Kubernetes cluster (AKS or any), or Azure without one. */
export const LOAD_GENERATOR_ENGINES = ['kubernetes', 'azure'] as const;
export type LoadGeneratorEngine = (typeof LOAD_GENERATOR_ENGINES)[number];

/** Kubernetes: an Indexed Job in an existing namespace, reports on a ReadWriteMany claim. */
export interface KubernetesLoadGeneratorProps {
  /** Namespace the Job, the claim and the Secret live in. @default 'default' */
  readonly namespace?: string;
  /**
   * An existing Secret holding the enrollment token and the server's CA, made with e.g.
   * `kubectl create secret generic smc-loadgen --from-literal=enroll-token=T --from-file=ca.pem`.
   * Only its name is in the manifest. @default 'smc-loadgen'
   */
  readonly secretName?: string;
  /** Key of the enrollment token in the Secret. @default 'enroll-token' */
  readonly enrollTokenKey?: string;
  /** Key of the CA PEM in the Secret. @default 'ca.pem' */
  readonly caKey?: string;
  /** Storage class of the reports claim; it must offer ReadWriteMany (azurefile on AKS). @default the cluster's default class */
  readonly storageClassName?: string;
  /** Size of the reports claim (one JSON report per shard, ~1 MB each). @default '1Gi' */
  readonly reportsVolumeSize?: string;
}

/** Azure without a cluster: one container group per shard, reports to a blob container. */
export interface AzureLoadGeneratorProps {
  /** Azure region, e.g. westeurope. */
  readonly location: string;
  /** An existing resource group the container groups and the storage account go in. */
  readonly resourceGroupName: string;
  /** Id of an existing Key Vault holding the enrollment token and the CA (read by terraform; kept in state, never in the manifest). */
  readonly keyVaultId: string;
  /** Key Vault secret holding the enrollment token. @default 'loadgen-enroll-token' */
  readonly enrollTokenSecretName?: string;
  /** Key Vault secret holding the CA PEM that signed the server's certificate. @default 'loadgen-ca' */
  readonly caSecretName?: string;
  /** Subnets to join (a private target): the groups then get private addresses. @default none: outbound only, no inbound address */
  readonly subnetIds?: readonly string[];
  /** Prefix of the resource names (lower-case letters and digits). @default 'smc' */
  readonly namePrefix?: string;
  /**
   * Until when the shards may write their reports (ISO 8601 date or time, UTC). The upload SAS
   * lasts this long and no longer. @default 7 days after the day of synth
   */
  readonly reportUploadExpiry?: string;
}

export interface LoadGeneratorFleetProps extends ArtifactProps {
  /** Where the shards run. */
  readonly engine: LoadGeneratorEngine;
  /** Machines (pods or container groups), one shard of the fleet each: 1 to 1,000. */
  readonly shards: number;
  /** The agent plane under test, e.g. https://smc.example.internal:2222. */
  readonly target: string;
  /** Virtual agents across all shards. @default 10,000 per shard */
  readonly agents?: number;
  /** Replication interval the agents start with (`smc simulate --interval`). @default '10m' */
  readonly interval?: string;
  /** Wall time each shard runs (`smc simulate --duration`). @default '10m' */
  readonly duration?: string;
  /**
   * More `smc simulate` flags, e.g. ['--threshold', 'p99<250ms', '--time-scale', '10']. The
   * fleet sets --target, --ca, --shard, --agents, --interval, --duration and --json itself;
   * the enrollment token comes from the secret. @default []
   */
  readonly simulateArgs?: readonly string[];
  /** Image with Node.js >= 20.9 and npm; it runs `npx smc-kit simulate` from `artifact`. @default 'node:20-bookworm-slim' */
  readonly image?: string;
  /** CPU cores per shard. @default 1 */
  readonly cpu?: number;
  /** Memory per shard in GiB (~20 KB per held agent session plus Node's own). @default 2 */
  readonly memoryGb?: number;
  /** Settings for engine 'kubernetes'. @default all defaults */
  readonly kubernetes?: KubernetesLoadGeneratorProps;
  /** Settings for engine 'azure' (required there). @default none */
  readonly azure?: AzureLoadGeneratorProps;
}

export interface ResolvedLoadGeneratorFleet {
  readonly engine: LoadGeneratorEngine;
  readonly shards: number;
  readonly target: string;
  readonly agents: number;
  readonly interval: string;
  readonly duration: string;
  readonly simulateArgs: readonly string[];
  readonly image: string;
  readonly cpu: number;
  readonly memoryGb: number;
  readonly artifact: ResolvedArtifact;
  readonly kubernetes: Required<Omit<KubernetesLoadGeneratorProps, 'storageClassName'>> & {
    readonly storageClassName: string | undefined;
  };
  readonly azure: ResolvedAzureLoadGenerator | undefined;
}

export interface ResolvedAzureLoadGenerator {
  readonly location: string;
  readonly resourceGroupName: string;
  readonly keyVaultId: string;
  readonly enrollTokenSecretName: string;
  readonly caSecretName: string;
  readonly subnetIds: readonly string[];
  readonly namePrefix: string;
  readonly reportUploadExpiry: string;
}

export const MAX_SHARDS = 1_000;
export const DEFAULT_AGENTS_PER_SHARD = 10_000;
export const DEFAULT_LOAD_GENERATOR_IMAGE = 'node:20-bookworm-slim';

/** Flags the fleet sets itself: one given in simulateArgs would contradict the wiring. */
const OWNED_FLAGS = [
  '--target',
  '--ca',
  '--shard',
  '--agents',
  '--interval',
  '--duration',
  '--json',
  '--enroll-token',
  '--config',
];
const DURATION = /^\d+(\.\d+)?(ms|s|m|h)$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// Kubernetes quantities (1Gi, 500Mi, 2G); the claim is small, so no exponents.
const QUANTITY = /^\d+(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
// Image references: registry/path:tag or @sha256:digest; no spaces or shell characters.
const IMAGE = /^[a-z0-9][a-z0-9._\-/:]*(@sha256:[a-f0-9]{64})?$/;

export function resolveLoadGeneratorFleet(
  props: LoadGeneratorFleetProps,
  now: Date = new Date(),
): ResolvedLoadGeneratorFleet {
  if (!LOAD_GENERATOR_ENGINES.includes(props.engine)) {
    throw new PropsError(
      'engine',
      `must be one of ${LOAD_GENERATOR_ENGINES.join(', ')}`,
      props.engine,
    );
  }
  const { shards } = props;
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS) {
    throw new PropsError('shards', `must be a whole number from 1 to ${MAX_SHARDS}`, shards);
  }
  const target = checkTarget(props.target);
  const agents = props.agents ?? shards * DEFAULT_AGENTS_PER_SHARD;
  if (!Number.isInteger(agents) || agents < shards) {
    throw new PropsError(
      'agents',
      `must be a whole number of at least one per shard (${shards})`,
      props.agents,
    );
  }
  const interval = props.interval ?? '10m';
  if (!DURATION.test(interval))
    throw new PropsError('interval', 'must be a duration such as 10m', interval);
  const duration = props.duration ?? '10m';
  if (!DURATION.test(duration))
    throw new PropsError('duration', 'must be a duration such as 10m', duration);
  const simulateArgs = [...(props.simulateArgs ?? [])];
  simulateArgs.forEach((arg, i) => {
    // `${` and `%{` would be Terraform template syntax inside the script.
    if (typeof arg !== 'string' || /[\n\r\0]|\$\{|%\{/.test(arg)) {
      throw new PropsError(
        `simulateArgs[${i}]`,
        'must be a string on one line without ${ or %{',
        arg,
      );
    }
    const flag = arg.split('=')[0] ?? '';
    if (OWNED_FLAGS.includes(flag)) {
      throw new PropsError(
        `simulateArgs[${i}]`,
        `${flag} is set by the fleet (use the props target, agents, interval, duration; the token and CA come from the secret)`,
        arg,
      );
    }
  });
  const image = props.image ?? DEFAULT_LOAD_GENERATOR_IMAGE;
  if (!IMAGE.test(image)) {
    throw new PropsError(
      'image',
      'must be an image reference such as node:20-bookworm-slim',
      image,
    );
  }
  const cpu = props.cpu ?? 1;
  if (!(typeof cpu === 'number' && cpu >= 0.25 && cpu <= 64)) {
    throw new PropsError('cpu', 'must be from 0.25 to 64 cores', cpu);
  }
  const memoryGb = props.memoryGb ?? 2;
  if (!(typeof memoryGb === 'number' && memoryGb >= 0.5 && memoryGb <= 256)) {
    throw new PropsError('memoryGb', 'must be from 0.5 to 256 GiB', memoryGb);
  }
  const artifact = resolveArtifact(props);
  const k = props.kubernetes ?? {};
  const kubernetes = {
    namespace: dnsLabel(k.namespace ?? 'default', 'kubernetes.namespace'),
    secretName: dnsLabel(k.secretName ?? 'smc-loadgen', 'kubernetes.secretName'),
    enrollTokenKey: secretKey(k.enrollTokenKey ?? 'enroll-token', 'kubernetes.enrollTokenKey'),
    caKey: secretKey(k.caKey ?? 'ca.pem', 'kubernetes.caKey'),
    storageClassName:
      k.storageClassName === undefined
        ? undefined
        : dnsLabel(k.storageClassName, 'kubernetes.storageClassName'),
    reportsVolumeSize: k.reportsVolumeSize ?? '1Gi',
  };
  if (!QUANTITY.test(kubernetes.reportsVolumeSize)) {
    throw new PropsError(
      'kubernetes.reportsVolumeSize',
      'must be a Kubernetes quantity such as 1Gi',
      kubernetes.reportsVolumeSize,
    );
  }
  if (props.engine === 'azure' && props.azure === undefined) {
    throw new PropsError(
      'azure',
      'required with engine azure: location, resourceGroupName and keyVaultId',
    );
  }
  const azure = props.azure === undefined ? undefined : resolveAzure(props.azure, now);
  return {
    engine: props.engine,
    shards,
    target,
    agents,
    interval,
    duration,
    simulateArgs,
    image,
    cpu,
    memoryGb,
    artifact,
    kubernetes,
    azure,
  };
}

function resolveAzure(a: AzureLoadGeneratorProps, now: Date): ResolvedAzureLoadGenerator {
  if (typeof a.location !== 'string' || !/^[a-z0-9]+$/.test(a.location)) {
    throw new PropsError(
      'azure.location',
      'must be an Azure region name such as westeurope',
      a.location,
    );
  }
  if (typeof a.resourceGroupName !== 'string' || !/^[-\w.()]{1,90}$/.test(a.resourceGroupName)) {
    throw new PropsError(
      'azure.resourceGroupName',
      'must be the name of an existing resource group (1-90 letters, digits, - _ . ( ))',
      a.resourceGroupName,
    );
  }
  if (
    typeof a.keyVaultId !== 'string' ||
    (!/\/providers\/Microsoft\.KeyVault\/vaults\//i.test(a.keyVaultId) &&
      !a.keyVaultId.startsWith('${'))
  ) {
    throw new PropsError(
      'azure.keyVaultId',
      'must be a Key Vault resource id (/subscriptions/.../providers/Microsoft.KeyVault/vaults/NAME) or a reference to one',
      a.keyVaultId,
    );
  }
  const secretName = (value: string, field: string) => {
    if (!/^[0-9a-zA-Z-]{1,127}$/.test(value)) {
      throw new PropsError(field, 'must be a Key Vault secret name (letters, digits and -)', value);
    }
    return value;
  };
  const namePrefix = a.namePrefix ?? 'smc';
  if (!/^[a-z][a-z0-9]{0,7}$/.test(namePrefix)) {
    throw new PropsError(
      'azure.namePrefix',
      'must be 1 to 8 lower-case letters and digits, starting with a letter (storage account names allow no more)',
      namePrefix,
    );
  }
  const expiry = a.reportUploadExpiry ?? defaultExpiry(now);
  const expiryTime = Date.parse(expiry);
  if (!/^\d{4}-\d{2}-\d{2}/.test(expiry) || Number.isNaN(expiryTime)) {
    throw new PropsError(
      'azure.reportUploadExpiry',
      'must be an ISO 8601 date such as 2027-01-31',
      expiry,
    );
  }
  if (expiryTime <= now.getTime()) {
    throw new PropsError('azure.reportUploadExpiry', 'must lie in the future', expiry);
  }
  return {
    location: a.location,
    resourceGroupName: a.resourceGroupName,
    keyVaultId: a.keyVaultId,
    enrollTokenSecretName: secretName(
      a.enrollTokenSecretName ?? 'loadgen-enroll-token',
      'azure.enrollTokenSecretName',
    ),
    caSecretName: secretName(a.caSecretName ?? 'loadgen-ca', 'azure.caSecretName'),
    subnetIds: [...(a.subnetIds ?? [])],
    namePrefix,
    reportUploadExpiry: expiry,
  };
}

/** A date, not a time, so a synth on the same day writes the same configuration. */
function defaultExpiry(now: Date): string {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 7));
  return day.toISOString().slice(0, 10);
}

function checkTarget(target: unknown): string {
  if (typeof target !== 'string' || /[\s'"$`\\]/.test(target)) {
    throw new PropsError(
      'target',
      'must be an https URL such as https://smc.example.internal:2222',
      target,
    );
  }
  try {
    const url = new URL(target);
    if (url.protocol === 'https:' && url.hostname !== '' && url.username === '') return target;
  } catch {
    // falls through to the error below
  }
  throw new PropsError(
    'target',
    'must be an https URL such as https://smc.example.internal:2222',
    target,
  );
}

function dnsLabel(value: string, field: string): string {
  if (!DNS_LABEL.test(value)) {
    throw new PropsError(
      field,
      'must be a DNS label: lower-case letters, digits and -, at most 63',
      value,
    );
  }
  return value;
}

function secretKey(value: string, field: string): string {
  if (!/^[-._a-zA-Z0-9]{1,253}$/.test(value)) {
    throw new PropsError(field, 'must be a Secret key: letters, digits, - _ and .', value);
  }
  return value;
}
