import type { CloudConfig } from '../../provider/cloud-init.js';
import { type ForwardProxyOptions, tunnelsFor } from './apache-proxy.js';

/** Squid with the same policy as the Apache flavour: CONNECT to the server's port, cached updates, nothing else. */
export function squidProxyCloudConfig(options: ForwardProxyOptions): CloudConfig {
  const conf = [
    `http_port ${options.port}`,
    `acl smc_clients src ${options.clientCidrs.join(' ')}`,
    `acl smc_servers dstdomain ${options.serverNames.join(' ')}`,
    `acl smc_port port ${options.serverPort}`,
    'acl CONNECT method CONNECT',
    'http_access allow CONNECT smc_clients smc_servers smc_port',
    ...(options.updateHosts.length > 0
      ? [
          `acl smc_updates dstdomain ${options.updateHosts.join(' ')}`,
          'acl smc_get method GET HEAD',
          'http_access allow smc_clients smc_updates smc_get',
        ]
      : []),
    '# Everything else, including CONNECT anywhere else: refused (no open relay).',
    'http_access deny all',
    `cache_dir ufs /var/spool/squid ${options.cacheGiB * 1024} 16 256`,
    'maximum_object_size 1 GB',
    'via off',
    'forwarded_for delete',
    // Two descriptors per open tunnel (agent side, server side), plus the cache's.
    `max_filedescriptors ${Math.max(4_096, tunnelsFor(options.agents) * 2 + 1_024)}`,
  ].join('\n');
  return {
    systemUsers: [],
    packages: ['squid'],
    writeFiles: [{ path: '/etc/smc/proxy/squid.conf', content: `${conf}\n` }],
    runcmd: [
      'install -m 0644 /etc/smc/proxy/squid.conf /etc/squid/squid.conf',
      'squid -k parse',
      'systemctl enable squid',
      'systemctl restart squid',
    ],
  };
}
