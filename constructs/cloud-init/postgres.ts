import type { CloudConfig } from '../../provider/cloud-init.js';

export const POSTGRES_PASSWORD_FILE = '/etc/smc/postgres-password';
/** The key the nightly dump's off-host copy logs in with (database.backupCopyTarget). */
export const BACKUP_COPY_KEY_FILE = '/etc/smc/backup-copy.key';
export const REPLICATION_PASSWORD_FILE = '/etc/smc/postgres-replication-password';
/** Where the database's TLS pair and the CA land as secrets (root only), before PostgreSQL exists. */
export const POSTGRES_SECRET_TLS_DIR = '/etc/smc/postgresql/tls';
/**
 * Where PostgreSQL reads them: outside the data folder (a standby's clone replaces that) and
 * outside /etc/postgresql/<major> (the path must not depend on the version the host has).
 */
export const POSTGRES_TLS_DIR = '/var/lib/postgresql/smc-tls';

export interface SelfHostedPostgresOptions {
  /** A major version to install (`postgresql-<major>`); null: the distribution's `postgresql`. */
  readonly version: string | null;
  /** postgresql.conf settings, already tuned for the host. */
  readonly settings: Readonly<Record<string, string>>;
  /** 'localhost' on the server host; '*' on a host of its own (the firewall narrows sources). */
  readonly listenAddresses: string;
  /** Networks allowed to log in (over TLS only, scram-sha-256). */
  readonly clientCidrs: readonly string[];
  readonly databaseName: string;
  readonly user: string;
  readonly backupRetentionDays: number;
  /** scp destination each dump is copied to, off the host (validated by the Database construct). */
  readonly backupCopyTarget?: string;
  /** Streaming replication: the primary lets the standby in; the standby clones the primary. */
  readonly replication?:
    | { readonly role: 'primary'; readonly standbyCidrs: readonly string[] }
    | { readonly role: 'standby'; readonly primaryHost: string };
}

/**
 * PostgreSQL from the host's apt sources (the distribution's major unless one is pinned:
 * 15 on Debian 12, 17 on Debian 13, 14 on Ubuntu 22.04, 16 on Ubuntu 24.04), tuned by a
 * conf.d file, with a certificate from the deployment CA so clients connect with
 * `sslmode=verify-full`, TLS-only remote logins and a daily pg_dump kept for the retention.
 * The setup finds the installed major at run time: one script for every distribution.
 */
export function selfHostedPostgresCloudConfig(options: SelfHostedPostgresOptions): CloudConfig {
  const conf = [
    '# smc-kit tuning (ours: derived from the host shape in the sizing plan)',
    `listen_addresses = '${options.listenAddresses}'`,
    'ssl = on',
    `ssl_cert_file = '${POSTGRES_TLS_DIR}/server.crt'`,
    `ssl_key_file = '${POSTGRES_TLS_DIR}/server.key'`,
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
  const setup =
    options.replication?.role === 'standby' ? standbySetup(options) : primarySetup(options);
  const backup = [
    '#!/bin/bash',
    'set -euo pipefail',
    'install -d -m 0700 -o postgres -g postgres /var/backups/smc',
    `dump="/var/backups/smc/${options.databaseName}-$(date -u +%Y%m%dT%H%M%SZ).dump"`,
    `runuser -u postgres -- pg_dump --format=custom --file="$dump" ${options.databaseName}`,
    `find /var/backups/smc -name '*.dump' -mtime +${options.backupRetentionDays} -delete`,
    // Off the host: a dump beside the database it backs up dies with that host's disk.
    ...(options.backupCopyTarget
      ? [
          `scp -q -i ${BACKUP_COPY_KEY_FILE} -o BatchMode=yes -o StrictHostKeyChecking=accept-new "$dump" '${options.backupCopyTarget.replace(/\/?$/, '/')}'`,
        ]
      : []),
  ].join('\n');
  return {
    systemUsers: [],
    packages: [
      options.version === null ? 'postgresql' : `postgresql-${options.version}`,
      ...(options.backupCopyTarget ? ['openssh-client'] : []),
    ],
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

/** The major the host runs (pinned, or the distribution's only cluster) and its config folder. */
function findCluster(options: SelfHostedPostgresOptions): string[] {
  return [
    options.version === null
      ? 'major=$(ls -1 /etc/postgresql | sort -n | tail -1)'
      : `major=${options.version}`,
    'if [ -z "$major" ] || [ ! -d "/etc/postgresql/$major/main" ]; then',
    '  echo "smc-postgres-setup: no PostgreSQL cluster in /etc/postgresql" >&2; exit 1',
    'fi',
    'dir="/etc/postgresql/$major/main"',
    'data="/var/lib/postgresql/$major/main"',
  ];
}

function installConfig(): string[] {
  return [
    `install -d -m 0700 -o postgres -g postgres ${POSTGRES_TLS_DIR}`,
    `install -m 0600 -o postgres -g postgres ${POSTGRES_SECRET_TLS_DIR}/server.crt ${POSTGRES_TLS_DIR}/server.crt`,
    `install -m 0600 -o postgres -g postgres ${POSTGRES_SECRET_TLS_DIR}/server.key ${POSTGRES_TLS_DIR}/server.key`,
    `install -m 0644 -o postgres -g postgres ${POSTGRES_SECRET_TLS_DIR}/ca.pem ${POSTGRES_TLS_DIR}/ca.pem`,
    'install -m 0644 -o postgres -g postgres /etc/smc/postgresql/smc.conf "$dir/conf.d/smc.conf"',
    'install -m 0640 -o postgres -g postgres /etc/smc/postgresql/pg_hba.conf "$dir/pg_hba.conf"',
  ];
}

function primarySetup(options: SelfHostedPostgresOptions): string {
  const replication = options.replication?.role === 'primary';
  return [
    '#!/bin/bash',
    'set -euo pipefail',
    ...findCluster(options),
    ...installConfig(),
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

function standbySetup(options: SelfHostedPostgresOptions): string {
  const primary = options.replication?.role === 'standby' ? options.replication.primaryHost : '';
  return [
    '#!/bin/bash',
    'set -euo pipefail',
    ...findCluster(options),
    ...installConfig(),
    // Clone once; later runs find standby.signal and only refresh the configuration. The
    // primary's certificate is checked against the deployment CA and its name.
    'if [ ! -f "$data/standby.signal" ]; then',
    '  systemctl stop postgresql',
    '  rm -rf "$data"',
    `  until PGPASSWORD=$(cat ${REPLICATION_PASSWORD_FILE}) runuser -u postgres --preserve-environment -- pg_basebackup -h ${primary} -U replicator -D "$data" -R -X stream --checkpoint=fast "--dbname=sslmode=verify-full sslrootcert=${POSTGRES_TLS_DIR}/ca.pem"; do`,
    '    rm -rf "$data"',
    '    sleep 15',
    '  done',
    'fi',
    'systemctl restart postgresql',
  ].join('\n');
}
