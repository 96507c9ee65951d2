import type { KeyVaultSecret } from '@cdktf/provider-azurerm/lib/key-vault-secret/index.js';
import { LinuxVirtualMachine } from '@cdktf/provider-azurerm/lib/linux-virtual-machine/index.js';
import { NetworkInterface } from '@cdktf/provider-azurerm/lib/network-interface/index.js';
import { PrivateDnsARecord } from '@cdktf/provider-azurerm/lib/private-dns-a-record/index.js';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment/index.js';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity/index.js';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { mergeCloudConfigs, renderCloudConfigYaml } from '../cloud-init.js';
import type { MachineSpec } from '../platform.js';
import { PropsError } from '../props-error.js';
import { azureName } from './names.js';
import { secretFetchCloudConfig, VAULT_URI_TAG } from './secret-fetch.js';

export interface AzureMachineProps {
  /** Updated only after this VM (a rolling order). @default none */
  readonly rollsAfter?: AzureMachine;
  readonly prefix: string;
  readonly location: string;
  readonly resourceGroupName: string;
  readonly subnetId: string;
  /** The zone resource's name (a reference) and its literal name, for the comment in custom data. */
  readonly dnsZoneName: string;
  readonly dnsZoneLiteral: string;
  readonly adminUsername: string;
  readonly adminSshPublicKey: string;
  readonly vaultId: string;
  readonly vaultUri: string;
  /** Secrets must exist before the VM boots and reads them. */
  readonly secrets: readonly KeyVaultSecret[];
  readonly spec: MachineSpec;
}

/** Ubuntu 24.04 LTS: cloud-init, nftables and PostgreSQL 16 from the distribution. */
const IMAGE = {
  publisher: 'Canonical',
  offer: 'ubuntu-24_04-lts',
  sku: 'server',
  version: 'latest',
};

/**
 * One Linux VM: private NIC only, SSH keys only, no extensions, its own managed identity with
 * read access to Key Vault secrets, cloud-init as custom data, and an A record in the zone.
 */
export class AzureMachine extends Construct {
  readonly vm: LinuxVirtualMachine;
  readonly nic: NetworkInterface;
  readonly privateAddress: string;

  constructor(scope: Construct, id: string, props: AzureMachineProps) {
    super(scope, id);
    const { spec, prefix, location, resourceGroupName } = props;
    if (!spec.azureVmSize) {
      throw new PropsError(
        `machines.${spec.role}.azure.vmSize`,
        'must be set on Azure (the sizing plan for platform azure carries it)',
      );
    }
    const name = azureName(prefix, spec.hostname);
    const identity = new UserAssignedIdentity(this, 'Identity', {
      name: azureName(prefix, 'id', spec.hostname),
      location,
      resourceGroupName,
    });
    const readSecrets = new RoleAssignment(this, 'SecretsUser', {
      scope: props.vaultId,
      roleDefinitionName: 'Key Vault Secrets User',
      principalId: identity.principalId,
      principalType: 'ServicePrincipal',
    });
    this.nic = new NetworkInterface(this, 'Nic', {
      name: azureName(prefix, 'nic', spec.hostname),
      location,
      resourceGroupName,
      ipConfiguration: [
        { name: 'primary', subnetId: props.subnetId, privateIpAddressAllocation: 'Dynamic' },
      ],
    });
    this.privateAddress = this.nic.privateIpAddress;
    const config = mergeCloudConfigs(secretFetchCloudConfig(spec.secretFiles), spec.cloudConfig);
    const userData = renderCloudConfigYaml(config, [
      `smc-kit ${spec.role} host ${spec.hostname}.${props.dnsZoneLiteral}`,
    ]);
    if (Token.isUnresolved(userData)) {
      throw new Error(
        `${spec.hostname}: cloud-init must be literal text; pass references through secrets or tags`,
      );
    }
    this.vm = new LinuxVirtualMachine(this, 'Vm', {
      name,
      computerName: spec.hostname,
      location,
      resourceGroupName,
      size: spec.azureVmSize,
      ...(spec.availabilityZone ? { zone: spec.availabilityZone } : {}),
      adminUsername: props.adminUsername,
      disablePasswordAuthentication: true,
      adminSshKey: [{ username: props.adminUsername, publicKey: props.adminSshPublicKey }],
      allowExtensionOperations: false,
      provisionVmAgent: true,
      secureBootEnabled: true,
      vtpmEnabled: true,
      patchMode: 'AutomaticByPlatform',
      patchAssessmentMode: 'AutomaticByPlatform',
      bypassPlatformSafetyChecksOnUserScheduleEnabled: false,
      networkInterfaceIds: [this.nic.id],
      osDisk: {
        name: azureName(prefix, 'osdisk', spec.hostname),
        caching: 'ReadWrite',
        storageAccountType: 'Premium_LRS',
        diskSizeGb: spec.shape.diskGiB,
      },
      sourceImageReference: IMAGE,
      identity: { type: 'UserAssigned', identityIds: [identity.id] },
      bootDiagnostics: {},
      customData: Buffer.from(userData, 'utf8').toString('base64'),
      tags: { [VAULT_URI_TAG]: props.vaultUri },
      // One VM at a time: an update that touches both of an HA pair reaches this one only
      // when the one before it is done (spec.rollsAfter).
      dependsOn: [
        readSecrets,
        ...props.secrets,
        ...(props.rollsAfter ? [props.rollsAfter.vm] : []),
      ],
    });
    new PrivateDnsARecord(this, 'DnsRecord', {
      name: spec.hostname,
      zoneName: props.dnsZoneName,
      resourceGroupName,
      ttl: 300,
      records: [this.privateAddress],
    });
  }
}
