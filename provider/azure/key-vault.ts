import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config/index.js';
import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault/index.js';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment/index.js';
import { RandomProvider } from '@cdktf/provider-random/lib/provider/index.js';
import { StringResource } from '@cdktf/provider-random/lib/string-resource/index.js';
import { Construct } from 'constructs';
import { ensureProvider } from '../terraform-providers.js';
import { azureName } from './names.js';

export interface AzureKeyVaultProps {
  readonly prefix: string;
  readonly location: string;
  readonly resourceGroupName: string;
  readonly allowedCidrs: readonly string[];
}

/**
 * Key Vault for generated secrets: RBAC authorization, purge protection, no public network
 * access except the listed ranges (where terraform runs) and the VNet's subnets. The deploying
 * identity gets "Key Vault Secrets Officer" so it can write the secrets it generates.
 */
export class AzureKeyVault extends Construct {
  readonly vault: KeyVault;
  readonly writerAccess: RoleAssignment;
  private readonly allowedCidrs: readonly string[];

  constructor(scope: Construct, id: string, props: AzureKeyVaultProps) {
    super(scope, id);
    this.allowedCidrs = props.allowedCidrs;
    ensureProvider(this, 'random', (stack) => new RandomProvider(stack, 'random'));
    const client = new DataAzurermClientConfig(this, 'Client', {});
    // Vault names are global; a random suffix (fixed once applied) keeps two deployments apart.
    const suffix = new StringResource(this, 'NameSuffix', {
      length: 6,
      special: false,
      upper: false,
    });
    this.vault = new KeyVault(this, 'Vault', {
      name: `${azureName(props.prefix, 'kv')}-${suffix.result}`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      tenantId: client.tenantId,
      skuName: 'standard',
      rbacAuthorizationEnabled: true,
      purgeProtectionEnabled: true,
      softDeleteRetentionDays: 90,
      publicNetworkAccessEnabled: true,
      networkAcls: {
        defaultAction: 'Deny',
        bypass: 'AzureServices',
        ipRules: [...props.allowedCidrs],
        virtualNetworkSubnetIds: [],
      },
    });
    this.writerAccess = new RoleAssignment(this, 'DeployerSecretsOfficer', {
      scope: this.vault.id,
      roleDefinitionName: 'Key Vault Secrets Officer',
      principalId: client.objectId,
    });
  }

  /** Lets a VM subnet reach the vault through its service endpoint. */
  allowSubnets(subnetIds: readonly string[]): void {
    this.vault.putNetworkAcls({
      defaultAction: 'Deny',
      bypass: 'AzureServices',
      ipRules: [...this.allowedCidrs],
      virtualNetworkSubnetIds: [...subnetIds],
    });
  }
}
