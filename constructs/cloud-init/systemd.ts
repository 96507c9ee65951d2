export interface ServiceUnit {
  readonly description: string;
  readonly user: string;
  readonly execStart: readonly string[];
  /** Environment file holding secrets (DATABASE_URL), so they never show in `ps`. */
  readonly environmentFile: string;
  readonly readWritePaths: readonly string[];
  readonly after: readonly string[];
  /**
   * Capabilities the unprivileged user keeps (AmbientCapabilities, and nothing else in the
   * bounding set), e.g. CAP_NET_BIND_SERVICE for a port below 1024. @default none
   */
  readonly ambientCapabilities?: readonly string[];
}

/** A hardened long-running unit; restarts on failure, so it waits out late secrets or a late database. */
export function renderServiceUnit(unit: ServiceUnit): string {
  return [
    '[Unit]',
    `Description=${unit.description}`,
    `After=${['network-online.target', ...unit.after].join(' ')}`,
    'Wants=network-online.target',
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=simple',
    `User=${unit.user}`,
    `Group=${unit.user}`,
    `EnvironmentFile=${unit.environmentFile}`,
    'Environment=NODE_ENV=production',
    `ExecStart=${unit.execStart.join(' \\\n  ')}`,
    'Restart=on-failure',
    'RestartSec=5',
    // Each agent holds a TLS connection: tens of thousands of descriptors.
    'LimitNOFILE=1048576',
    ...(unit.ambientCapabilities && unit.ambientCapabilities.length > 0
      ? [
          `AmbientCapabilities=${unit.ambientCapabilities.join(' ')}`,
          `CapabilityBoundingSet=${unit.ambientCapabilities.join(' ')}`,
        ]
      : []),
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'ProtectKernelTunables=yes',
    'ProtectControlGroups=yes',
    'RestrictSUIDSGID=yes',
    `ReadWritePaths=${unit.readWritePaths.join(' ')}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
