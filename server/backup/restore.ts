import { chmod, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import pg from 'pg';
import { makeFolder } from '../make-folder.js';
import { startEmbeddedPostgres } from '../store/embedded-postgres.js';
import { DATA_PREFIX } from './backup.js';
import { BackupInputError } from './backup-error.js';
import { clusterOf } from './data-dir-database.js';
import { loadDatabase } from './load-database.js';
import type { BackupManifest } from './manifest.js';
import { DUMPED_SCHEMAS } from './schema-levels.js';
import { memberStream, type TarMember } from './tar.js';
import { verifyArchive } from './verify-archive.js';

export interface RestoreOptions {
  readonly archive: string;
  /** Receives the identity folders (and the embedded database unless databaseUrl): empty. */
  readonly dataDir: string;
  /** An empty database to load into instead of a new embedded one. */
  readonly databaseUrl?: string;
  /**
   * The clean-database migration: everything but the log history (agents, their ack
   * positions, revocations, tokens, tasks, policy, inventories). Agents go on from where the
   * server acknowledged them; the old logs stay in the archive.
   */
  readonly skipLogs?: boolean;
  readonly progress: (line: string) => void;
}

export interface RestoreResult {
  readonly manifest: BackupManifest;
  readonly seconds: number;
}

/**
 * `smc admin restore`: verifies the whole archive first, then brings it back into an empty
 * data folder (and an empty database, embedded in that folder or at databaseUrl). Only into
 * empty targets: a restore never merges with or overwrites a live server's state. The same CA
 * and server identity come back, so agents replicate to the restored server as before.
 */
export async function restore(options: RestoreOptions): Promise<RestoreResult> {
  const started = Date.now();
  const { progress } = options;
  const dataDir = path.resolve(options.dataDir);
  const { manifest, members } = await verifyArchive(options.archive, progress);
  const existing = await readdir(dataDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (existing && existing.length > 0)
    throw new BackupInputError(
      '--data-dir',
      `${dataDir} is not empty (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', ...' : ''}); restore only into an empty or new folder`,
    );
  if (options.databaseUrl) await refuseNonEmptyDatabase(options.databaseUrl);
  const skip = new Set(options.skipLogs ? ['public.logs'] : []);
  try {
    // As `smc serve` makes it: traversable (not readable) by the embedded PostgreSQL's user.
    await makeFolder(dataDir, 0o711);
    if (options.databaseUrl) {
      await loadDatabase(options.databaseUrl, options.archive, manifest, members, progress, skip);
    } else {
      progress(`creating the embedded PostgreSQL in ${clusterOf(dataDir)}`);
      const embedded = await startEmbeddedPostgres({
        dataDir: clusterOf(dataDir),
        onNotice: progress,
      });
      try {
        await loadDatabase(embedded.url, options.archive, manifest, members, progress, skip);
      } finally {
        await embedded.stop();
      }
    }
    await writeIdentityFiles(dataDir, options.archive, manifest, members);
    progress('identity restored: agent CA, server certificate, admin token');
  } catch (error) {
    // The folder was empty before: nothing of the operator's is lost by clearing it.
    // A cleanup problem is said, never put in place of the failure itself.
    for (const entry of await readdir(dataDir).catch(() => [] as string[]))
      await rm(path.join(dataDir, entry), { recursive: true, force: true }).catch(
        (cleanup: Error) =>
          progress(`could not clear ${path.join(dataDir, entry)}: ${cleanup.message}`),
      );
    throw error;
  }
  return { manifest, seconds: (Date.now() - started) / 1000 };
}

async function refuseNonEmptyDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new BackupInputError('--database-url', `cannot connect (${(error as Error).message})`);
  }
  try {
    const { rows } = await client.query<{ name: string }>(
      `SELECT schemaname || '.' || tablename AS name FROM pg_tables
        WHERE schemaname = ANY($1) ORDER BY 1 LIMIT 4`,
      [DUMPED_SCHEMAS],
    );
    if (rows.length > 0)
      throw new BackupInputError(
        '--database-url',
        `the database is not empty (it has ${rows.map((r) => r.name).join(', ')}${rows.length > 3 ? ', ...' : ''}); restore only into an empty database`,
      );
  } finally {
    await client.end().catch(() => {});
  }
}

async function writeIdentityFiles(
  dataDir: string,
  archive: string,
  manifest: BackupManifest,
  members: ReadonlyMap<string, TarMember>,
): Promise<void> {
  for (const [name, digest] of Object.entries(manifest.members)) {
    if (!name.startsWith(DATA_PREFIX)) continue;
    const relative = name.slice(DATA_PREFIX.length);
    const target = path.join(dataDir, relative);
    if (!target.startsWith(`${dataDir}${path.sep}`))
      throw new Error(`member ${name} points outside the data folder`);
    const folder = path.dirname(target);
    await mkdir(folder, { recursive: true, mode: 0o700 });
    await chmod(folder, 0o700);
    const content = await buffer(memberStream(archive, members.get(name) as TarMember));
    const mode = digest.mode ?? 0o600;
    await writeFile(target, content, { mode, flag: 'wx' });
    await chmod(target, mode);
  }
}
