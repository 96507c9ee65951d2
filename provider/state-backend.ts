import {
  LocalBackend,
  TerraformBackend,
  type TerraformRemoteState,
  type TerraformStack,
} from 'cdktf';
import type { Construct } from 'constructs';
import { PropsError } from './props-error.js';

/**
 * Where Terraform keeps state. State holds every generated secret (CA key, service keys,
 * database password, admin tokens) in plain text, so a deployment that outlives one laptop
 * wants a remote backend with encryption and access control (Azure Storage, S3, ...).
 */
export interface StateBackendProps {
  /** A Terraform backend type. @default 'local' */
  readonly type?: string;
  /**
   * Its settings, as in a `backend` block. Settings left out can be given at
   * `terraform init -backend-config=...` (Terraform's partial configuration). @default {}
   */
  readonly config?: Readonly<Record<string, string | number | boolean>>;
}

/** Settings Terraform accepts per backend we check (typos are caught here, not at init). */
const KNOWN_SETTINGS: Readonly<Record<string, readonly string[]>> = {
  local: ['path', 'workspace_dir'],
  azurerm: [
    'storage_account_name',
    'container_name',
    'key',
    'resource_group_name',
    'subscription_id',
    'tenant_id',
    'client_id',
    'environment',
    'endpoint',
    'metadata_host',
    'snapshot',
    'use_azuread_auth',
    'use_oidc',
    'use_msi',
    'use_cli',
    'msi_endpoint',
    'oidc_token_file_path',
    'oidc_request_url',
    'oidc_request_token',
    'client_certificate_path',
    'lookup_blob_endpoint',
  ],
};

/** Backends whose settings we pass through unchecked (Terraform checks them at init). */
const OTHER_BACKENDS = ['s3', 'gcs', 'http', 'pg', 'consul', 'kubernetes', 'oss', 'cos', 'remote'];

/** What `terraform init` still needs for azurerm when the settings are partial. */
const AZURERM_REQUIRED = ['storage_account_name', 'container_name', 'key'];

export interface ConfiguredBackend {
  readonly type: string;
  /** Settings still to be given at init (partial configuration). */
  readonly missing: readonly string[];
  /** Settings that hold credentials (state files get them; prefer environment variables). */
  readonly secretSettings: readonly string[];
}

export function configureStateBackend(
  stack: TerraformStack,
  props: StateBackendProps = {},
): ConfiguredBackend {
  const type = props.type ?? 'local';
  const config = props.config ?? {};
  const known = KNOWN_SETTINGS[type];
  if (!known && !OTHER_BACKENDS.includes(type)) {
    throw new PropsError(
      'backend.type',
      `must be one of ${[...Object.keys(KNOWN_SETTINGS), ...OTHER_BACKENDS].join(', ')}`,
      type,
    );
  }
  for (const [key, value] of Object.entries(config)) {
    if (!/^[a-z][a-z0-9_]*$/.test(key)) {
      throw new PropsError(`backend.config.${key}`, 'must be a setting name in snake_case');
    }
    if (known && !known.includes(key)) {
      throw new PropsError(
        `backend.config.${key}`,
        `is not a setting of the ${type} backend (known: ${known.join(', ')})`,
      );
    }
    if (!['string', 'number', 'boolean'].includes(typeof value) || String(value).includes('${')) {
      throw new PropsError(`backend.config.${key}`, 'must be a plain value', value);
    }
  }
  if (type === 'local') {
    // A path relative to the stack folder (cdktf's default is the absolute path of the
    // folder synth ran in, which breaks as soon as the output is moved or shared).
    new LocalBackend(stack, { path: String(config.path ?? 'terraform.smc.tfstate') });
  } else {
    new ConfiguredTerraformBackend(stack, type, config);
  }
  return {
    type,
    missing: type === 'azurerm' ? AZURERM_REQUIRED.filter((key) => !(key in config)) : [],
    secretSettings: Object.keys(config).filter((key) =>
      /(secret|token|password|access_key)/.test(key),
    ),
  };
}

/**
 * A backend block of any type with settings as given, written the way cdktf's own typed
 * backends write theirs (settings in snake_case, as Terraform reads them). It stands in for
 * cdktf's default local backend, so the stack never carries two.
 */
class ConfiguredTerraformBackend extends TerraformBackend {
  constructor(
    scope: Construct,
    type: string,
    private readonly settings: Readonly<Record<string, string | number | boolean>>,
  ) {
    super(scope, 'backend', type);
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { ...this.settings };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return Object.fromEntries(
      Object.entries(this.settings).map(([key, value]) => [
        key,
        { value, type: 'simple', storageClassType: typeof value },
      ]),
    );
  }

  getRemoteStateDataSource(): TerraformRemoteState {
    throw new Error(`remote state of a ${this.name} backend is not offered by smc-kit`);
  }
}
