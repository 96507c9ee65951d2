import type { FirewallRule, Zone } from '../platform.js';

/**
 * One host's inbound firewall as an nftables script. It owns a table of its own (`inet smc`),
 * so it neither depends on nor rewrites the distribution's ruleset; a packet dropped by any
 * base chain is dropped, so this table's `policy drop` holds whatever else is loaded.
 */
export function renderNftables(
  hostname: string,
  zone: Zone,
  rules: readonly FirewallRule[],
  cidrsOf: (zone: Zone) => readonly string[],
): string {
  const lines = [
    `# smc-kit firewall for ${hostname} (zone ${zone}), generated from the port table`,
    'table inet smc',
    'delete table inet smc',
    'table inet smc {',
    '  chain input {',
    '    type filter hook input priority 0; policy drop;',
    '    ct state established,related accept',
    '    ct state invalid drop',
    '    iif lo accept',
    '    ip protocol icmp icmp type { echo-request, destination-unreachable, time-exceeded } accept',
  ];
  for (const rule of rules.filter((r) => r.to === zone)) {
    const sources = rule.from.kind === 'zone' ? cidrsOf(rule.from.zone) : rule.from.cidrs;
    if (sources.length === 0) continue;
    lines.push(
      `    ip saddr { ${sources.join(', ')} } ${rule.protocol} dport ${rule.port} accept comment "${rule.name}"`,
    );
  }
  lines.push('  }', '}');
  return `${lines.join('\n')}\n`;
}
