import { ContainerGroup } from '@cdktf/provider-azurerm/lib/container-group/index.js';
import { DataAzurermKeyVaultSecret } from '@cdktf/provider-azurerm/lib/data-azurerm-key-vault-secret/index.js';
import { DataAzurermStorageAccountBlobContainerSas } from '@cdktf/provider-azurerm/lib/data-azurerm-storage-account-blob-container-sas/index.js';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider/index.js';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account/index.js';
import { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container/index.js';
import { RandomProvider } from '@cdktf/provider-random/lib/provider/index.js';
import { StringResource } from '@cdktf/provider-random/lib/string-resource/index.js';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { ensureProvider } from '../terraform-providers.js';
import { azureName } from './names.js';

export interface AzureContainerShardsProps {
  readonly location: string;
  readonly resourceGroupName: string;
  /** Lower-case letters and digits, at most 8 (the storage account name takes it too). */
  readonly namePrefix: string;
  readonly image: string;
  readonly cpu: number;
  readonly memoryGb: number;
  /** One command per shard (its length is the number of container groups). */
  readonly commands: readonly (readonly string[])[];
  readonly keyVaultId: string;
  /** Environment variable -> Key Vault secret name: set as secure variables. */
  readonly secretVariables: Readonly<Record<string, string>>;
  /** A secret volume: file name -> Key Vault secret name, mounted read-only at mountPath. */
  readonly secretFiles: {
    readonly mountPath: string;
    readonly files: Readonly<Record<string, string>>;
  };
  /** The reports container: its URL and a write-only SAS go to the shards as secure variables. */
  readonly reports: {
    readonly containerUrlVariable: string;
    readonly sasVariable: string;
    /** ISO 8601: the SAS works until then. */
    readonly expiry: string;
    /** Where the shards write before uploading (an empty-dir volume). */
    readonly mountPath: string;
  };
  /** Private subnets to join; none: outbound only, no inbound address. */
  readonly subnetIds: readonly string[];
}

/**
 * Shards as Azure Container Instances, one container group each, run once (restart Never).
 * Secrets are read from Key Vault by terraform and handed over as secure environment variables
 * and a secret volume: Terraform state holds them (as it holds every generated secret), the
 * synthesized configuration only references them. Reports go to a private blob container in a
 * storage account that takes HTTPS and TLS 1.2+ only; the shards get a SAS that can create and
 * write blobs in that container and nothing else, until the expiry.
 */
export class AzureContainerShards extends Construct {
  readonly groups: ContainerGroup[];
  readonly storageAccount: StorageAccount;
  readonly container: StorageContainer;

  constructor(scope: Construct, id: string, props: AzureContainerShardsProps) {
    super(scope, id);
    ensureProvider(
      this,
      'azurerm',
      (stack) => new AzurermProvider(stack, 'azurerm', { features: [{}] }),
    );
    ensureProvider(this, 'random', (stack) => new RandomProvider(stack, 'random'));
    // Storage account names are global: 3-24 lower-case letters and digits.
    const suffix = new StringResource(this, 'NameSuffix', {
      length: 8,
      special: false,
      upper: false,
    }).result;
    this.storageAccount = new StorageAccount(this, 'Reports', {
      name: `${props.namePrefix}lg${suffix}`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      accountTier: 'Standard',
      accountReplicationType: 'LRS',
      accountKind: 'StorageV2',
      minTlsVersion: 'TLS1_2',
      httpsTrafficOnlyEnabled: true,
      allowNestedItemsToBePublic: false,
      // The SAS the shards write with is signed with the account key.
      sharedAccessKeyEnabled: true,
    });
    this.container = new StorageContainer(this, 'ReportsContainer', {
      name: 'loadgen-reports',
      storageAccountId: this.storageAccount.id,
      containerAccessType: 'private',
    });
    const sas = new DataAzurermStorageAccountBlobContainerSas(this, 'UploadSas', {
      connectionString: this.storageAccount.primaryConnectionString,
      containerName: this.container.name,
      httpsOnly: true,
      start: '2020-01-01',
      expiry: props.reports.expiry,
      permissions: {
        add: true,
        create: true,
        write: true,
        read: false,
        list: false,
        delete: false,
      },
    });
    // One data source per secret, however many variables and files use it.
    const secretValues = new Map<string, string>();
    const secretValue = (name: string) => {
      const known = secretValues.get(name);
      if (known !== undefined) return known;
      const value = new DataAzurermKeyVaultSecret(this, `Secret-${name}`, {
        name,
        keyVaultId: props.keyVaultId,
      }).value;
      secretValues.set(name, value);
      return value;
    };
    const secureEnvironment = {
      ...Object.fromEntries(
        Object.entries(props.secretVariables).map(([variable, name]) => [
          variable,
          secretValue(name),
        ]),
      ),
      [props.reports.containerUrlVariable]:
        `${this.storageAccount.primaryBlobEndpoint}${this.container.name}`,
      [props.reports.sasVariable]: sas.sas,
    };
    const secretVolume = Object.fromEntries(
      Object.entries(props.secretFiles.files).map(([file, name]) => [
        file,
        Fn.base64encode(secretValue(name)),
      ]),
    );
    const width = String(props.commands.length).length;
    this.groups = props.commands.map(
      (commands, i) =>
        new ContainerGroup(this, `Shard${i + 1}`, {
          name: azureName(props.namePrefix, 'loadgen', String(i + 1).padStart(width, '0')),
          location: props.location,
          resourceGroupName: props.resourceGroupName,
          osType: 'Linux',
          restartPolicy: 'Never',
          ipAddressType: props.subnetIds.length > 0 ? 'Private' : 'None',
          ...(props.subnetIds.length > 0 ? { subnetIds: [...props.subnetIds] } : {}),
          container: [
            {
              name: 'simulate',
              image: props.image,
              cpu: props.cpu,
              memory: props.memoryGb,
              commands: [...commands],
              environmentVariables: { HOME: '/tmp' },
              secureEnvironmentVariables: secureEnvironment,
              volume: [
                {
                  name: 'secrets',
                  mountPath: props.secretFiles.mountPath,
                  readOnly: true,
                  secret: secretVolume,
                },
                { name: 'reports', mountPath: props.reports.mountPath, emptyDir: true },
              ],
            },
          ],
        }),
    );
  }
}
