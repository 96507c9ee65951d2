import type { CloudConfig } from '../../provider/cloud-init.js';

export interface ForwardProxyOptions {
  readonly port: number;
  /** Host names the agents' CONNECT may reach, all on `serverPort`. */
  readonly serverNames: readonly string[];
  readonly serverPort: number;
  readonly clientCidrs: readonly string[];
  /** Plain-HTTP hosts whose downloads are cached (module updates). */
  readonly updateHosts: readonly string[];
  readonly cacheGiB: number;
  /** Agents this one proxy serves: each holds a tunnel open between replications. */
  readonly agents: number;
}

/**
 * Concurrent tunnels to provision for: every agent keeps its CONNECT tunnel open between
 * replications (persistent HTTP/2), plus 25 % for reconnects overlapping old tunnels (ours).
 */
export function tunnelsFor(agents: number): number {
  return Math.max(256, Math.ceil(agents * 1.25));
}

/** Apache's event MPM runs a tunnel per worker thread: threads come in processes of 64. */
const THREADS_PER_CHILD = 64;

const escapeRegex = (name: string) => name.replace(/[.]/g, '\\.');

/**
 * Apache HTTP Server as the guide's HTTP proxy: CONNECT only to the server's replication port,
 * GET only to the update hosts (cached on disk), every other target refused: no open relay.
 */
export function apacheProxyCloudConfig(options: ForwardProxyOptions): CloudConfig {
  const clients = options.clientCidrs.join(' ');
  const servers = options.serverNames.map(escapeRegex).join('|');
  const site = [
    `Listen ${options.port}`,
    `<VirtualHost *:${options.port}>`,
    '  ProxyRequests On',
    '  ProxyVia Off',
    `  AllowCONNECT ${options.serverPort}`,
    '  # Deny every target first, then allow the few this proxy exists for.',
    '  <Proxy "*">',
    '    Require all denied',
    '  </Proxy>',
    `  <ProxyMatch "^(${servers}):${options.serverPort}$">`,
    `    Require ip ${clients}`,
    '  </ProxyMatch>',
    ...options.updateHosts.flatMap((host) => [
      `  <ProxyMatch "^http://${escapeRegex(host)}/">`,
      `    Require ip ${clients}`,
      '  </ProxyMatch>',
      `  CacheEnable disk http://${host}/`,
    ]),
    '  CacheRoot /var/cache/apache2/mod_cache_disk',
    '  CacheDirLevels 2',
    '  CacheDirLength 1',
    '  CacheMaxFileSize 1000000000',
    '  CacheIgnoreNoLastMod On',
    '  ErrorLog /var/log/apache2/smc-proxy-error.log',
    '  CustomLog /var/log/apache2/smc-proxy-access.log combined',
    '</VirtualHost>',
  ].join('\n');
  // Debian's default (150 workers) would leave every agent past the 150th queued until it
  // times out: a proxy sized for 1,000 agents needs a thread per open tunnel.
  const processes = Math.ceil(tunnelsFor(options.agents) / THREADS_PER_CHILD);
  const mpm = [
    '# smc-kit: one worker thread per open CONNECT tunnel (see constructs/cloud-init/apache-proxy.ts)',
    '<IfModule mpm_event_module>',
    `  ServerLimit ${processes}`,
    `  ThreadLimit ${THREADS_PER_CHILD}`,
    `  ThreadsPerChild ${THREADS_PER_CHILD}`,
    `  MaxRequestWorkers ${processes * THREADS_PER_CHILD}`,
    '  MaxConnectionsPerChild 0',
    '</IfModule>',
  ].join('\n');
  return {
    systemUsers: [],
    packages: ['apache2'],
    writeFiles: [
      { path: '/etc/smc/proxy/smc-proxy.conf', content: `${site}\n` },
      { path: '/etc/smc/proxy/smc-proxy-mpm.conf', content: `${mpm}\n` },
      // ports.conf would open 80 and 443; the proxy listens on its own port only.
      {
        path: '/etc/smc/proxy/ports.conf',
        content: '# smc-kit: see sites-available/smc-proxy.conf\n',
      },
    ],
    runcmd: [
      'install -m 0644 /etc/smc/proxy/smc-proxy.conf /etc/apache2/sites-available/smc-proxy.conf',
      'install -m 0644 /etc/smc/proxy/ports.conf /etc/apache2/ports.conf',
      'install -m 0644 /etc/smc/proxy/smc-proxy-mpm.conf /etc/apache2/conf-available/smc-proxy-mpm.conf',
      'a2enconf smc-proxy-mpm',
      'a2enmod proxy proxy_http proxy_connect cache cache_disk',
      'a2dissite 000-default',
      'a2ensite smc-proxy',
      `htcacheclean_size=${options.cacheGiB}G; sed -i "s/^HTCACHECLEAN_SIZE=.*/HTCACHECLEAN_SIZE=$htcacheclean_size/" /etc/default/apache-htcacheclean`,
      'apache2ctl configtest',
      'systemctl enable apache2 apache-htcacheclean',
      'systemctl restart apache2 apache-htcacheclean',
    ],
  };
}
