import type { Command } from 'commander';
import { runAction } from '../cli/run-action.js';
import { UsageError } from '../cli/usage-error.js';

interface BackupFlags {
  dataDir: string;
  databaseUrl?: string;
  out: string;
  json?: boolean;
}

interface RestoreFlags {
  archive: string;
  dataDir: string;
  databaseUrl?: string;
  skipLogs?: boolean;
  json?: boolean;
}

interface RenameFlags {
  dataDir: string;
  host: string[];
  ip: string[];
  json?: boolean;
}

const repeat = (value: string, previous: string[]) => [...previous, value];

/** The operator's input errors (a flag) become exit 2; refusals and failures exit 1. */
async function asUsage<T>(work: () => Promise<T>): Promise<T> {
  const { BackupInputError } = await import('../../server/index.js');
  try {
    return await work();
  } catch (error) {
    if (error instanceof BackupInputError) throw new UsageError(error.message);
    throw error;
  }
}

function progressTo(command: string) {
  return (line: string) => process.stderr.write(`smc admin ${command}: ${line}\n`);
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * `smc admin backup`, `restore` and `rename-host`: a server's state as one archive, brought
 * back on another host, and the server certificate re-issued when the host's name changes.
 * Each works on the data folder directly (no console API): a restore has no server yet.
 */
export function registerBackupCommands(admin: Command): void {
  admin
    .command('backup')
    .description(
      "Write one consistent archive of a server: its database (a snapshot: the server keeps running) and its identity (agent CA and key, server certificate, admin token; with --with-mdm the connector's too), with a manifest of versions, schema level and a SHA-256 per member. The archive holds the CA key: it is written 0600; keep it as secret as the data folder.",
    )
    .option(
      '--data-dir <dir>',
      "the server's data folder (PKI; embedded database unless --database-url)",
      '.smc',
    )
    .option(
      '--database-url <url>',
      "the server's PostgreSQL when it is not embedded (default: $DATABASE_URL)",
    )
    .requiredOption(
      '--out <file>',
      'archive to write (written as <file>.partial, renamed when complete)',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  smc admin backup --data-dir /var/lib/smc --out /srv/backup/smc-1.smc\n  smc admin backup --data-dir /var/lib/smc --database-url postgres://smc@db.internal/smc --out smc-1.smc --json',
    )
    .action((flags: BackupFlags) =>
      runAction(async () => {
        const { readFileSync } = await import('node:fs');
        const { backup } = await import('../../server/index.js');
        const pkg = JSON.parse(
          readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
        ) as { version: string };
        const result = await asUsage(() =>
          backup({
            dataDir: flags.dataDir,
            databaseUrl: flags.databaseUrl ?? process.env.DATABASE_URL,
            out: flags.out,
            smcKitVersion: pkg.version,
            progress: progressTo('backup'),
          }),
        );
        const rows = result.manifest.tables.reduce((sum, t) => sum + t.rows, 0);
        process.stdout.write(
          flags.json
            ? `${JSON.stringify({ file: result.file, bytes: result.bytes, seconds: result.seconds, rows, snapshotAt: result.manifest.snapshotAt, schemas: result.manifest.schemas })}\n`
            : `wrote ${result.file}: ${mib(result.bytes)}, ${rows.toLocaleString('en-US')} rows, snapshot ${result.manifest.snapshotAt}, ${result.seconds.toFixed(1)} s\n`,
        );
        return 0;
      }),
    );

  admin
    .command('restore')
    .description(
      "Restore an smc admin backup into an EMPTY data folder (and an empty database: the folder's new embedded one, or --database-url). Every member is checked against the manifest first; a damaged or altered archive, or one with a newer schema than this smc-kit, is refused. Then run smc serve on the folder: agents replicate as before, no re-enrollment.",
    )
    .requiredOption('--archive <file>', 'the archive smc admin backup wrote')
    .option('--data-dir <dir>', 'new data folder: must be empty or absent', '.smc')
    .option(
      '--database-url <url>',
      'load into this empty PostgreSQL database instead of an embedded one',
    )
    .option(
      '--skip-logs',
      'the clean-database migration: restore everything but the log history (agents keep their identities and ack positions; the old logs stay in the archive)',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  smc admin restore --archive smc-1.smc --data-dir /var/lib/smc\n  smc admin restore --archive smc-1.smc --data-dir /var/lib/smc --database-url postgres://smc@db2.internal/smc --skip-logs',
    )
    .action((flags: RestoreFlags) =>
      runAction(async () => {
        const { existsSync } = await import('node:fs');
        if (!existsSync(flags.archive))
          throw new UsageError(`--archive: ${flags.archive} does not exist`);
        const { restore } = await import('../../server/index.js');
        const result = await asUsage(() =>
          restore({
            archive: flags.archive,
            dataDir: flags.dataDir,
            ...(flags.databaseUrl ? { databaseUrl: flags.databaseUrl } : {}),
            skipLogs: flags.skipLogs === true,
            progress: progressTo('restore'),
          }),
        );
        const rows = result.manifest.tables.reduce((sum, t) => sum + t.rows, 0);
        process.stdout.write(
          flags.json
            ? `${JSON.stringify({ dataDir: flags.dataDir, seconds: result.seconds, rows, snapshotAt: result.manifest.snapshotAt, schemas: result.manifest.schemas })}\n`
            : `restored ${rows.toLocaleString('en-US')} rows and the PKI into ${flags.dataDir} (snapshot ${result.manifest.snapshotAt}), ${result.seconds.toFixed(1)} s; start it with smc serve --data-dir ${flags.dataDir}${flags.databaseUrl ? ' --database-url ...' : ''}\n`,
        );
        return 0;
      }),
    );

  admin
    .command('rename-host')
    .description(
      "Re-issue the server certificate from the same agent CA for the server's new host name(s) and address(es), dropping the old ones. Agents trust the CA, not the certificate: they keep replicating with their own identities. Restart smc serve (with the new --hostname) to use it.",
    )
    .option('--data-dir <dir>', "the server's data folder", '.smc')
    .option(
      '--host <name>',
      'DNS name the certificate covers (repeatable; at least one)',
      repeat,
      [],
    )
    .option('--ip <address>', 'IP address it covers besides 127.0.0.1 (repeatable)', repeat, [])
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  smc admin rename-host --data-dir /var/lib/smc --host smc2.acme.example\n  smc admin rename-host --data-dir /var/lib/smc --host smc2.acme.example --ip 10.1.0.5',
    )
    .action((flags: RenameFlags) =>
      runAction(async () => {
        if (flags.host.length === 0) throw new UsageError('--host: required (the new host name)');
        const { renameHost } = await import('../../server/index.js');
        const result = await asUsage(() =>
          renameHost({
            dataDir: flags.dataDir,
            hostnames: flags.host,
            ipAddresses: ['127.0.0.1', ...flags.ip],
          }),
        );
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(result)}\n`
            : `re-issued ${result.certificateFile} for ${result.names} (was ${result.previousNames}); agent CA unchanged (${result.caFingerprint}); restart smc serve to use it\n`,
        );
        return 0;
      }),
    );
}
