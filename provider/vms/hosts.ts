import { isIPv4 } from 'node:net';
import type { HostRole } from '../platform.js';
import { PropsError } from '../props-error.js';

/** One existing Linux host (Debian or Ubuntu: roles install with apt) reachable over SSH. */
export interface VmsHost {
  /** IPv4 address the operator's machine reaches it at, also what the firewall rules use. */
  readonly address: string;
  readonly sshUser: string;
  /** Path, on the machine running terraform, to the private key (read with file()). */
  readonly sshPrivateKeyPath: string;
  /** SSH port. @default 22 */
  readonly sshPort?: number;
  /**
   * Proxy and sensor hosts only: the branch office (its name) whose agents it serves or whose
   * LAN it watches. Untagged proxy hosts are handed to the offices in order; untagged sensor
   * hosts to the main site first, then to the offices in order. @default untagged
   */
  readonly office?: string;
}

/** Hosts per role, in order: the first server is `smc-server-1`, and so on. */
export type VmsInventory = Readonly<Partial<Record<HostRole, readonly VmsHost[]>>>;

/** New roles go at the end: placeholder addresses are handed out in this order. */
export const HOST_ROLES: readonly HostRole[] = [
  'server',
  'database',
  'proxy',
  'mdm',
  'loadBalancer',
  // Rogue Detection Sensors, one per network: a host standing in that LAN (it must hear its
  // broadcasts), the main site's first.
  'sensor',
];

/** Roles whose hosts belong to a branch office. */
const OFFICE_ROLES: readonly string[] = ['proxy', 'sensor'];

/**
 * Documentation addresses (RFC 5737 TEST-NET-1/2/3): they route nowhere, so a plan made with
 * them can be read and checked but never applied by accident.
 */
export const PLACEHOLDER_RANGES = ['192.0.2', '198.51.100', '203.0.113'] as const;
export const PLACEHOLDER_SSH_USER = 'smc-admin';
export const PLACEHOLDER_SSH_KEY = '~/.ssh/id_ed25519';

/** Checks a parsed hosts file; every error names the path of the bad field. */
export function validateInventory(raw: unknown, label = 'hosts'): VmsInventory {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new PropsError(
      label,
      `must be an object with host lists per role (${HOST_ROLES.join(', ')})`,
      raw,
    );
  }
  const input = raw as Record<string, unknown>;
  const inventory: Partial<Record<HostRole, VmsHost[]>> = {};
  const seen = new Map<string, string>();
  for (const key of Object.keys(input)) {
    if (!(HOST_ROLES as readonly string[]).includes(key)) {
      throw new PropsError(`${label}.${key}`, `is not a role (known: ${HOST_ROLES.join(', ')})`);
    }
    const list = input[key];
    if (!Array.isArray(list))
      throw new PropsError(`${label}.${key}`, 'must be an array of hosts', list);
    inventory[key as HostRole] = list.map((host, i) => {
      const parsed = validateHost(host, `${label}.${key}[${i}]`);
      if (parsed.office !== undefined && !OFFICE_ROLES.includes(key)) {
        throw new PropsError(
          `${label}.${key}[${i}].office`,
          'applies to proxy and sensor hosts only (the office they serve or watch)',
        );
      }
      const previous = seen.get(parsed.address);
      if (previous) {
        throw new PropsError(
          `${label}.${key}[${i}].address`,
          `is already used by ${previous}`,
          parsed.address,
        );
      }
      seen.set(parsed.address, `${label}.${key}[${i}]`);
      return parsed;
    });
  }
  if (!inventory.server || inventory.server.length === 0) {
    throw new PropsError(`${label}.server`, 'must list at least one host');
  }
  return inventory;
}

const KNOWN_HOST_FIELDS = ['address', 'sshUser', 'sshPrivateKeyPath', 'sshPort', 'office'];

function validateHost(raw: unknown, path: string): VmsHost {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new PropsError(path, 'must be an object { address, sshUser, sshPrivateKeyPath }', raw);
  }
  const host = raw as Record<string, unknown>;
  for (const key of Object.keys(host)) {
    if (!KNOWN_HOST_FIELDS.includes(key)) {
      throw new PropsError(
        `${path}.${key}`,
        `is not a host field (known: ${KNOWN_HOST_FIELDS.join(', ')})`,
      );
    }
  }
  const { address, sshUser, sshPrivateKeyPath, sshPort, office } = host;
  if (typeof address !== 'string' || !isIPv4(address)) {
    throw new PropsError(`${path}.address`, 'must be an IPv4 address', address);
  }
  if (typeof sshUser !== 'string' || !/^[a-z_][a-z0-9_-]{0,31}$/.test(sshUser)) {
    throw new PropsError(
      `${path}.sshUser`,
      'must be a Linux user name (lower case, up to 32 characters)',
      sshUser,
    );
  }
  if (
    typeof sshPrivateKeyPath !== 'string' ||
    sshPrivateKeyPath.trim() === '' ||
    /[\n"\\$]/.test(sshPrivateKeyPath)
  ) {
    throw new PropsError(
      `${path}.sshPrivateKeyPath`,
      'must be a file path (no quotes, backslashes, $ or new lines)',
      sshPrivateKeyPath,
    );
  }
  if (
    sshPort !== undefined &&
    (typeof sshPort !== 'number' || !Number.isInteger(sshPort) || sshPort < 1 || sshPort > 65_535)
  ) {
    throw new PropsError(`${path}.sshPort`, 'must be an integer from 1 to 65535', sshPort);
  }
  if (
    office !== undefined &&
    (typeof office !== 'string' || !/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/.test(office))
  ) {
    throw new PropsError(
      `${path}.office`,
      'must be an office name (lower case, as in offices[].name)',
      office,
    );
  }
  return {
    address,
    sshUser,
    sshPrivateKeyPath,
    ...(sshPort === undefined ? {} : { sshPort }),
    ...(office === undefined ? {} : { office }),
  };
}

/** Placeholder inventory with the given number of hosts per role, from the TEST-NET ranges. */
export function placeholderInventory(
  counts: Readonly<Partial<Record<HostRole, number>>>,
): VmsInventory {
  const addresses = PLACEHOLDER_RANGES.flatMap((prefix) =>
    Array.from({ length: 254 }, (_, i) => `${prefix}.${i + 1}`),
  );
  let next = 0;
  const inventory: Partial<Record<HostRole, VmsHost[]>> = {};
  for (const role of HOST_ROLES) {
    const count = counts[role] ?? 0;
    if (count === 0) continue;
    if (next + count > addresses.length) {
      throw new PropsError(
        `hosts.${role}`,
        `needs ${count} placeholder addresses; the documentation ranges hold ${addresses.length} in all, pass --hosts`,
      );
    }
    inventory[role] = addresses.slice(next, next + count).map((address) => ({
      address,
      sshUser: PLACEHOLDER_SSH_USER,
      sshPrivateKeyPath: PLACEHOLDER_SSH_KEY,
    }));
    next += count;
  }
  return inventory;
}

export function isPlaceholderAddress(address: string): boolean {
  return PLACEHOLDER_RANGES.some((prefix) => address.startsWith(`${prefix}.`));
}
