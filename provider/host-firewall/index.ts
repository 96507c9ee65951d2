import { type CloudConfig, mergeCloudConfigs } from '../cloud-init.js';
import type { FirewallRule, Zone } from '../platform.js';
import { firewallCloudConfig } from './firewall-config.js';
import { renderNftables } from './nftables.js';

export { firewallCloudConfig } from './firewall-config.js';
export { renderNftables } from './nftables.js';

/**
 * What a host the platform does not firewall itself (an existing host, an on-premises proxy)
 * runs first: its own nftables table from the port table, then the role.
 */
export function withHostFirewall(
  hostname: string,
  zone: Zone,
  rules: readonly FirewallRule[],
  cidrsOf: (zone: Zone) => readonly string[],
  role: CloudConfig,
): CloudConfig {
  return mergeCloudConfigs(
    firewallCloudConfig(renderNftables(hostname, zone, rules, cidrsOf)),
    role,
  );
}
