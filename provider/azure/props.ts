import { isIPv4 } from 'node:net';
import { validateDnsZone } from '../dns-zone.js';
import { PropsError } from '../props-error.js';
import { AZURE_REGIONS } from './regions.js';

export interface AzurePlatformProps {
  /** Azure region, e.g. 'westeurope'. */
  readonly location: string;
  /** Prefix of every resource name: lower-case letters and digits, 2 to 10. @default 'smc' */
  readonly namePrefix?: string;
  /** Use this existing resource group instead of creating one. @default a new group `${namePrefix}-rg` */
  readonly existingResourceGroupName?: string;
  /** Private address space of the virtual network, a /16; each zone gets a /24 of it. @default '10.42.0.0/16' */
  readonly addressSpace?: string;
  /** Private DNS zone for the deployment's names. @default 'smc.internal' */
  readonly dnsZone?: string;
  /** Login of the VMs' admin account (SSH keys only). @default 'smcadmin' */
  readonly adminUsername?: string;
  /** OpenSSH public key for the admin account. @default a generated key, private half in Key Vault */
  readonly adminSshPublicKey?: string;
  /** Lock on the resource group. @default none */
  readonly lock?: 'CanNotDelete' | 'ReadOnly';
  /** Log Analytics workspace id; when set, Key Vault, database, NSGs and load balancer send logs to it. @default none */
  readonly diagnosticsWorkspaceId?: string;
  /**
   * Public address ranges that may reach Key Vault's data plane besides the VNet: the
   * machine that runs `terraform apply` writes the generated secrets there, so its egress
   * address must be listed unless it runs inside the VNet. @default [] (a warning says so)
   */
  readonly keyVaultAllowedCidrs?: readonly string[];
  /**
   * Where branch-office proxies run: 'on-premises' writes each proxy's cloud-init (with its
   * firewall) for the office's own hypervisor and admits the offices' ranges to the server;
   * 'vnet' builds them as VMs in the VNet (offices linked by VPN). @default 'on-premises'
   */
  readonly officeProxies?: 'on-premises' | 'vnet';
}

export interface ResolvedAzureProps {
  readonly location: string;
  readonly namePrefix: string;
  readonly existingResourceGroupName: string | undefined;
  readonly addressSpace: string;
  readonly dnsZone: string;
  readonly adminUsername: string;
  readonly adminSshPublicKey: string | undefined;
  readonly lock: 'CanNotDelete' | 'ReadOnly' | undefined;
  readonly diagnosticsWorkspaceId: string | undefined;
  readonly keyVaultAllowedCidrs: readonly string[];
  readonly officeProxies: 'on-premises' | 'vnet';
}

export function resolveAzureProps(props: AzurePlatformProps): ResolvedAzureProps {
  if (!AZURE_REGIONS.includes(props.location)) {
    const near = AZURE_REGIONS.filter((r) =>
      r.startsWith(String(props.location).slice(0, 4).toLowerCase()),
    );
    throw new PropsError(
      'location',
      `must be an Azure region name such as westeurope${near.length > 0 ? ` (did you mean ${near.join(', ')}?)` : ''}`,
      props.location,
    );
  }
  const namePrefix = props.namePrefix ?? 'smc';
  if (!/^[a-z][a-z0-9]{1,9}$/.test(namePrefix)) {
    throw new PropsError(
      'namePrefix',
      'must be 2 to 10 lower-case letters and digits, starting with a letter',
      namePrefix,
    );
  }
  const addressSpace = props.addressSpace ?? '10.42.0.0/16';
  const match = /^(\d+\.\d+)\.0\.0\/16$/.exec(addressSpace);
  if (!match || !isIPv4(`${match[1]}.0.0`) || !isPrivate(`${match[1]}.0.0`)) {
    throw new PropsError(
      'addressSpace',
      'must be a private /16 such as 10.42.0.0/16',
      addressSpace,
    );
  }
  const adminUsername = props.adminUsername ?? 'smcadmin';
  if (
    !/^[a-z_][a-z0-9_-]{0,31}$/.test(adminUsername) ||
    ['admin', 'root', 'administrator'].includes(adminUsername)
  ) {
    throw new PropsError(
      'adminUsername',
      'must be a Linux user name other than admin, root or administrator',
      adminUsername,
    );
  }
  if (
    props.adminSshPublicKey !== undefined &&
    !/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+/.test(props.adminSshPublicKey)
  ) {
    throw new PropsError(
      'adminSshPublicKey',
      'must be an OpenSSH public key (ssh-ed25519 AAAA..., ssh-rsa AAAA...)',
    );
  }
  if (props.lock !== undefined && !['CanNotDelete', 'ReadOnly'].includes(props.lock)) {
    throw new PropsError('lock', "must be 'CanNotDelete' or 'ReadOnly'", props.lock);
  }
  if (
    props.diagnosticsWorkspaceId !== undefined &&
    !/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[^/]+$/i.test(
      props.diagnosticsWorkspaceId,
    )
  ) {
    throw new PropsError(
      'diagnosticsWorkspaceId',
      'must be a Log Analytics workspace resource id (/subscriptions/.../workspaces/name)',
      props.diagnosticsWorkspaceId,
    );
  }
  if (props.keyVaultAllowedCidrs !== undefined && !Array.isArray(props.keyVaultAllowedCidrs)) {
    throw new PropsError(
      'keyVaultAllowedCidrs',
      'must be a list of address ranges',
      props.keyVaultAllowedCidrs,
    );
  }
  const keyVaultAllowedCidrs = (props.keyVaultAllowedCidrs ?? []).map((cidr, i) => {
    const [ip, bits, extra] = String(cidr).split('/');
    if (
      !ip ||
      !isIPv4(ip) ||
      extra !== undefined ||
      (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) >= 8 && Number(bits) <= 32))
    ) {
      throw new PropsError(
        `keyVaultAllowedCidrs[${i}]`,
        'must be an IPv4 address or CIDR from /8 to /32',
        cidr,
      );
    }
    if (isPrivate(ip)) {
      throw new PropsError(
        `keyVaultAllowedCidrs[${i}]`,
        "must be a public range: Key Vault's firewall sees the public address terraform connects from (inside the VNet, the subnets' service endpoint already lets it in)",
        cidr,
      );
    }
    // Azure stores a single address without /32; writing it that way avoids a diff on every plan.
    return bits === '32' ? ip : cidr;
  });
  const officeProxies = props.officeProxies ?? 'on-premises';
  if (officeProxies !== 'on-premises' && officeProxies !== 'vnet') {
    throw new PropsError('officeProxies', "must be 'on-premises' or 'vnet'", officeProxies);
  }
  return {
    location: props.location,
    namePrefix,
    existingResourceGroupName: props.existingResourceGroupName,
    addressSpace,
    dnsZone: validateDnsZone(props.dnsZone ?? 'smc.internal'),
    adminUsername,
    adminSshPublicKey: props.adminSshPublicKey,
    lock: props.lock,
    diagnosticsWorkspaceId: props.diagnosticsWorkspaceId,
    keyVaultAllowedCidrs,
    officeProxies,
  };
}

function isPrivate(address: string): boolean {
  const [a, b] = address.split('.').map(Number) as [number, number];
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}
