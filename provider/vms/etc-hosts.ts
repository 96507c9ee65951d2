import type { CloudConfig } from '../cloud-init.js';

export const ETC_HOSTS_BEGIN = '# smc-kit begin';
export const ETC_HOSTS_END = '# smc-kit end';

/**
 * The deployment's names in a marked block of /etc/hosts, replaced on every run, so the hosts
 * find each other (proxies the server, the connector the server and its database) whether or
 * not the site's DNS has the zone yet. Agents still need the zone in DNS (dns_zone_file).
 */
export function etcHostsCloudConfig(
  zone: string,
  records: readonly { readonly name: string; readonly address: string }[],
): CloudConfig {
  const block = [
    `${ETC_HOSTS_BEGIN} (names of the ${zone} deployment; the dns_zone_file output holds the same)`,
    ...records.map((r) => `${r.address} ${r.name}.${zone} ${r.name}`),
    ETC_HOSTS_END,
  ].join('\n');
  const script = [
    '#!/bin/bash',
    'set -euo pipefail',
    'kept=$(mktemp)',
    `sed '/^${ETC_HOSTS_BEGIN}/,/^${ETC_HOSTS_END}/d' /etc/hosts > "$kept"`,
    'cat "$kept" /etc/smc/hosts > /etc/hosts',
    'rm -f "$kept"',
  ].join('\n');
  return {
    systemUsers: [],
    packages: [],
    writeFiles: [
      { path: '/etc/smc/hosts', content: `${block}\n` },
      { path: '/usr/local/sbin/smc-hosts', content: script, permissions: '0755' },
    ],
    runcmd: ['/usr/local/sbin/smc-hosts'],
  };
}
