import type { CloudConfig } from '../cloud-init.js';

/** Installs the host's nftables script and loads it at every boot, before the roles start. */
export function firewallCloudConfig(nftables: string): CloudConfig {
  return {
    systemUsers: [],
    packages: ['nftables'],
    writeFiles: [
      { path: '/etc/smc/firewall.nft', content: nftables, permissions: '0600' },
      {
        path: '/etc/systemd/system/smc-firewall.service',
        content: [
          '[Unit]',
          'Description=smc-kit inbound firewall (nftables table inet smc)',
          'Before=network-pre.target',
          'Wants=network-pre.target',
          '',
          '[Service]',
          'Type=oneshot',
          'RemainAfterExit=yes',
          'ExecStart=/usr/sbin/nft -f /etc/smc/firewall.nft',
          'ExecStop=/usr/sbin/nft delete table inet smc',
          '',
          '[Install]',
          'WantedBy=multi-user.target',
        ].join('\n'),
      },
    ],
    runcmd: [
      'systemctl daemon-reload',
      'systemctl enable smc-firewall.service',
      'systemctl restart smc-firewall.service',
    ],
  };
}
