import type { PolicyRule, PolicyViolation } from './rule.js';
import { hostConfigurations, resourcesOf, type TerraformJson } from './terraform-json.js';

const INTERNET = new Set(['*', '0.0.0.0/0', 'internet', 'any', '0.0.0.0']);

interface SecurityRule {
  readonly name?: string;
  readonly direction?: string;
  readonly access?: string;
  readonly destination_port_range?: string;
  readonly destination_port_ranges?: readonly string[];
  readonly source_address_prefix?: string;
  readonly source_address_prefixes?: readonly string[];
}

function portMatches(rule: SecurityRule, port: number): boolean {
  const ranges = [rule.destination_port_range, ...(rule.destination_port_ranges ?? [])].filter(
    (r): r is string => typeof r === 'string',
  );
  return ranges.some((range) => {
    if (range === '*') return true;
    const [low, high] = range.split('-').map(Number);
    return low !== undefined && port >= low && port <= (high ?? low);
  });
}

function fromInternet(rule: SecurityRule): boolean {
  const sources = [rule.source_address_prefix, ...(rule.source_address_prefixes ?? [])];
  return sources.some((s) => typeof s === 'string' && INTERNET.has(s.toLowerCase()));
}

/** NSG allow rules (inline) and nftables accept lines that open `port` to the internet. */
function openToInternet(doc: TerraformJson, port: number, ruleId: string): PolicyViolation[] {
  const violations: PolicyViolation[] = [];
  for (const nsg of resourcesOf(doc, 'azurerm_network_security_group')) {
    ((nsg.config.security_rule ?? []) as SecurityRule[]).forEach((rule, i) => {
      if (
        rule.direction === 'Inbound' &&
        rule.access === 'Allow' &&
        portMatches(rule, port) &&
        fromInternet(rule)
      ) {
        violations.push({
          ruleId,
          path: `${nsg.path} security_rule[${i}] ${rule.name}`,
          message: `port ${port} open to the internet`,
        });
      }
    });
  }
  for (const host of hostConfigurations(doc)) {
    for (const line of host.text.split('\n')) {
      // Either protocol: a port is judged by its number, as NSG rules of any protocol are.
      const accept = /ip saddr \{([^}]*)\} (?:tcp|udp) dport (\d+) accept/.exec(line);
      if (!accept || Number(accept[2]) !== port) continue;
      const sources = (accept[1] ?? '').split(',').map((s) => s.trim());
      if (sources.some((s) => INTERNET.has(s))) {
        violations.push({
          ruleId,
          path: `${host.path} nftables`,
          message: `port ${port} open to the internet: ${line.trim()}`,
        });
      }
    }
  }
  return violations;
}

const portRule = (
  id: string,
  port: number,
  title: string,
  covers: readonly string[],
): PolicyRule => ({
  id,
  title,
  covers,
  platforms: ['azure', 'vms'],
  check: (doc) => openToInternet(doc, port, id),
});

export const NETWORK_RULES: readonly PolicyRule[] = [
  portRule('SMC-NET-SSH', 22, 'No SSH from the internet', ['CKV_AZURE_10', 'AVD-AZU-0050']),
  portRule('SMC-NET-RDP', 3389, 'No RDP from the internet', ['CKV_AZURE_9', 'AVD-AZU-0048']),
  portRule('SMC-NET-HTTP', 80, 'No plain HTTP from the internet', ['CKV_AZURE_160']),
  portRule('SMC-NET-CONSOLE', 2223, 'Console/API not open to the internet', ['AVD-AZU-0047']),
  portRule('SMC-NET-POSTGRES', 5432, 'PostgreSQL not open to the internet', ['AVD-AZU-0047']),
  // ours: DHCP is a LAN broadcast; a sensor that takes it from anywhere takes forged sightings.
  portRule('SMC-NET-DHCP-REQUESTS', 67, 'DHCP to the sensors only from their LANs', [
    'ours: a sensor hears broadcasts, never the internet',
  ]),
  portRule('SMC-NET-DHCP-REPLIES', 68, 'DHCP replies to the sensors only from their LANs', [
    'ours: a sensor hears broadcasts, never the internet',
  ]),
  {
    id: 'SMC-NET-DEFAULT-DENY',
    title: 'Every security group and host firewall ends in deny',
    covers: ['ours: least privilege inside the VNet (Azure allows VNet-wide traffic by default)'],
    platforms: ['azure', 'vms'],
    check(doc) {
      const violations: PolicyViolation[] = [];
      for (const nsg of resourcesOf(doc, 'azurerm_network_security_group')) {
        const rules = (nsg.config.security_rule ?? []) as (SecurityRule & { priority?: number })[];
        const denyAll = rules.some(
          (r) =>
            r.access === 'Deny' &&
            r.direction === 'Inbound' &&
            r.destination_port_range === '*' &&
            r.source_address_prefix === '*',
        );
        if (!denyAll)
          violations.push({
            ruleId: this.id,
            path: nsg.path,
            message: 'no inbound deny-all rule after the allows',
          });
      }
      // On Azure the NSGs are the firewall; existing hosts carry their own.
      for (const host of hostConfigurations(doc).filter((h) => h.platform === 'vms')) {
        if (!host.text.includes('policy drop;')) {
          violations.push({
            ruleId: this.id,
            path: host.path,
            message: 'host firewall has no default drop policy',
          });
        }
      }
      return violations;
    },
  },
  {
    id: 'SMC-NET-PUSH-MTLS',
    title: 'The push broker takes only client certificates, and agents only their own topic',
    covers: ['ours: a wake-up topic readable by others tells who is managed and when'],
    platforms: ['azure', 'vms'],
    check(doc) {
      const violations: PolicyViolation[] = [];
      for (const host of hostConfigurations(doc)) {
        if (!/\bmosquitto\b/.test(host.text)) continue;
        const needed = [
          'require_certificate true',
          'use_identity_as_username true',
          'allow_anonymous false',
          'pattern read smc/agents/%u/wakeup',
        ];
        for (const line of needed) {
          if (!host.text.includes(line))
            violations.push({
              ruleId: this.id,
              path: host.path,
              message: `mosquitto: no "${line}"`,
            });
        }
        if (/^\s*(topic|pattern)\s+(read|readwrite)?\s*smc\/agents\/(\+|#)/m.test(host.text))
          violations.push({
            ruleId: this.id,
            path: host.path,
            message: "mosquitto: an ACL line lets a client read every agent's topic",
          });
      }
      return violations;
    },
  },
  {
    id: 'SMC-NET-NO-PUBLIC-NIC',
    title: 'No VM has a public IP address',
    covers: ['CKV_AZURE_119'],
    platforms: ['azure'],
    check(doc) {
      return resourcesOf(doc, 'azurerm_network_interface').flatMap((nic) =>
        ((nic.config.ip_configuration ?? []) as { public_ip_address_id?: string }[])
          .filter((c) => c.public_ip_address_id)
          .map(() => ({
            ruleId: this.id,
            path: nic.path,
            message: 'network interface has a public IP',
          })),
      );
    },
  },
];
