import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config/index.js';
import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault/index.js';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment/index.js';
import { Construct } from 'constructs';
import { azureName } from './names.js';

export interface AzureKeyVaultProps {
  readonly prefix: string;
  /** Random suffix (a reference): vault names are global. */
  readonly nameSuffix: string;
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
    const client = new DataAzurermClientConfig(this, 'Client', {});
    this.vault = new KeyVault(this, 'Vault', {
      name: `${azureName(props.prefix, 'kv')}-${props.nameSuffix}`,
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
