import type { CloudConfig } from '../cloud-init.js';
import type { LoadBalancerSpec, MachineHandle } from '../platform.js';

/**
 * HAProxy in TCP mode: it forwards bytes, so the agents' TLS (and their client certificates)
 * ends at the servers, exactly as with Azure's Standard Load Balancer. A server takes traffic
 * while its console's health route answers over HTTPS (a liveness check, so the certificate
 * is not verified: TLS between agents and servers is untouched by it).
 */
export function haproxyCloudConfig(
  ports: readonly number[],
  backends: readonly MachineHandle[],
  health: LoadBalancerSpec['health'],
): CloudConfig {
  const lines = [
    'global',
    '  log /dev/log local0',
    '  maxconn 200000',
    'defaults',
    '  mode tcp',
    '  log global',
    '  option tcplog',
    '  timeout connect 5s',
    // Agents hold HTTP/2 connections open between replications.
    '  timeout client 30m',
    '  timeout server 30m',
  ];
  for (const port of ports) {
    lines.push(`frontend smc_${port}`, `  bind :${port}`, `  default_backend smc_${port}`);
    lines.push(
      `backend smc_${port}`,
      '  balance leastconn',
      `  option httpchk GET ${health.path}`,
      '  http-check expect status 200',
    );
    for (const backend of backends) {
      lines.push(
        `  server ${backend.hostname} ${backend.privateAddress}:${port} check port ${health.port} check-ssl verify none inter 5s fall 2 rise 2`,
      );
    }
  }
  return {
    systemUsers: [],
    packages: ['haproxy'],
    writeFiles: [{ path: '/etc/smc/haproxy.cfg', content: `${lines.join('\n')}\n` }],
    runcmd: [
      'install -m 0644 /etc/smc/haproxy.cfg /etc/haproxy/haproxy.cfg',
      'haproxy -c -f /etc/haproxy/haproxy.cfg',
      'systemctl enable haproxy',
      'systemctl restart haproxy',
    ],
  };
}
