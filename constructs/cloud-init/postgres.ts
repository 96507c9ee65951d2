import type { CloudConfig } from '../../provider/cloud-init.js';

export const POSTGRES_PASSWORD_FILE = '/etc/smc/postgres-password';
export const REPLICATION_PASSWORD_FILE = '/etc/smc/postgres-replication-password';

export interface SelfHostedPostgresOptions {
  readonly version: string;
  /** postgresql.conf settings, already tuned for the host. */
  readonly settings: Readonly<Record<string, string>>;
  /** 'localhost' on the server host; '*' on a host of its own (the firewall narrows sources). */
  readonly listenAddresses: string;
  /** Networks allowed to log in (over TLS only, scram-sha-256). */
  readonly clientCidrs: readonly string[];
  readonly databaseName: string;
  readonly user: string;
  readonly backupRetentionDays: number;
  /** Streaming replication: the primary lets the standby in; the standby clones the primary. */
  readonly replication?:
    | { readonly role: 'primary'; readonly standbyCidrs: readonly string[] }
    | { readonly role: 'standby'; readonly primaryAddress: string };
}

/**
 * PostgreSQL from the distribution, tuned by a conf.d file, TLS-only remote logins (Ubuntu's
 * package enables ssl with its own certificate, so clients use sslmode=require), and a daily
 * pg_dump kept for the retention period.
 */
export function selfHostedPostgresCloudConfig(options: SelfHostedPostgresOptions): CloudConfig {
  const conf = [
    '# smc-kit tuning (ours: derived from the host shape in the sizing plan)',
    `listen_addresses = '${options.listenAddresses}'`,
    'ssl = on',
    "ssl_min_protocol_version = 'TLSv1.2'",
    "password_encryption = 'scram-sha-256'",
    ...Object.entries(options.settings).map(
      ([k, v]) => `${k} = ${/^[\d.]+$/.test(v) ? v : `'${v}'`}`,
    ),
  ].join('\n');
  const hba = [
    '# smc-kit: local admin by peer, everything remote over TLS with scram-sha-256',
    'local   all             postgres                                peer',
    'local   all             all                                     scram-sha-256',
    'host    all             all             127.0.0.1/32            scram-sha-256',
    ...options.clientCidrs.map(
      (c) =>
        `hostssl ${options.databaseName.padEnd(15)} ${options.user.padEnd(15)} ${c.padEnd(23)} scram-sha-256`,
    ),
    ...(options.replication?.role === 'primary'
      ? options.replication.standbyCidrs.map(
          (c) => `hostssl replication     replicator      ${c.padEnd(23)} scram-sha-256`,
        )
      : []),
  ].join('\n');
  const dir = `/etc/postgresql/${options.version}/main`;
  const setup =
    options.replication?.role === 'standby'
      ? standbySetup(options, dir)
      : primarySetup(options, dir);
  const backup = [
    '#!/bin/bash',
    'set -euo pipefail',
    'install -d -m 0700 -o postgres -g postgres /var/backups/smc',
    `runuser -u postgres -- pg_dump --format=custom --file="/var/backups/smc/${options.databaseName}-$(date -u +%Y%m%dT%H%M%SZ).dump" ${options.databaseName}`,
    `find /var/backups/smc -name '*.dump' -mtime +${options.backupRetentionDays} -delete`,
  ].join('\n');
  return {
    systemUsers: [],
    packages: [`postgresql-${options.version}`],
    writeFiles: [
      { path: '/etc/smc/postgresql/smc.conf', content: `${conf}\n` },
      { path: '/etc/smc/postgresql/pg_hba.conf', content: `${hba}\n` },
      { path: '/usr/local/sbin/smc-postgres-setup', content: setup, permissions: '0700' },
      { path: '/usr/local/sbin/smc-postgres-backup', content: backup, permissions: '0700' },
      {
        path: '/etc/systemd/system/smc-postgres-backup.service',
        content:
          '[Unit]\nDescription=smc-kit PostgreSQL backup\n\n[Service]\nType=oneshot\nExecStart=/usr/local/sbin/smc-postgres-backup\n',
      },
      {
        path: '/etc/systemd/system/smc-postgres-backup.timer',
        content:
          '[Unit]\nDescription=Daily smc-kit PostgreSQL backup\n\n[Timer]\nOnCalendar=daily\nRandomizedDelaySec=1h\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n',
      },
    ],
    runcmd: [
      '/usr/local/sbin/smc-postgres-setup',
      ...(options.replication?.role === 'standby'
        ? []
        : ['systemctl daemon-reload', 'systemctl enable --now smc-postgres-backup.timer']),
    ],
  };
}

function installConfig(dir: string): string[] {
  return [
    `install -m 0644 -o postgres -g postgres /etc/smc/postgresql/smc.conf ${dir}/conf.d/smc.conf`,
    `install -m 0640 -o postgres -g postgres /etc/smc/postgresql/pg_hba.conf ${dir}/pg_hba.conf`,
  ];
}

function primarySetup(options: SelfHostedPostgresOptions, dir: string): string {
  const replication = options.replication?.role === 'primary';
  return [
    '#!/bin/bash',
    'set -euo pipefail',
    ...installConfig(dir),
    'systemctl restart postgresql',
    `PASSWORD=$(cat ${POSTGRES_PASSWORD_FILE})`,
    ...(replication ? [`REPLICATION_PASSWORD=$(cat ${REPLICATION_PASSWORD_FILE})`] : []),
    // psql variables (:'name') quote the passwords; nothing is interpolated by the shell.
    `runuser -u postgres -- psql -v ON_ERROR_STOP=1 -v password="$PASSWORD"${replication ? ' -v replication_password="$REPLICATION_PASSWORD"' : ''} <<'SQL'`,
    `SELECT 'CREATE ROLE ${options.user} LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${options.user}')\\gexec`,
    `ALTER ROLE ${options.user} PASSWORD :'password';`,
    `SELECT 'CREATE DATABASE ${options.databaseName} OWNER ${options.user}' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '${options.databaseName}')\\gexec`,
    ...(replication
      ? [
          "SELECT 'CREATE ROLE replicator REPLICATION LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'replicator')\\gexec",
          "ALTER ROLE replicator PASSWORD :'replication_password';",
        ]
      : []),
    'SQL',
  ].join('\n');
}

function standbySetup(options: SelfHostedPostgresOptions, dir: string): string {
  const primary = options.replication?.role === 'standby' ? options.replication.primaryAddress : '';
  const data = `/var/lib/postgresql/${options.version}/main`;
  return [
    '#!/bin/bash',
    'set -euo pipefail',
    ...installConfig(dir),
    // Clone once; later runs find standby.signal and only refresh the configuration.
    `if [ ! -f ${data}/standby.signal ]; then`,
    '  systemctl stop postgresql',
    `  rm -rf ${data}`,
    `  until PGPASSWORD=$(cat ${REPLICATION_PASSWORD_FILE}) runuser -u postgres --preserve-environment -- pg_basebackup -h ${primary} -U replicator -D ${data} -R -X stream --checkpoint=fast "--dbname=sslmode=require"; do`,
    `    rm -rf ${data}`,
    '    sleep 15',
    '  done',
    'fi',
    'systemctl restart postgresql',
  ].join('\n');
}
