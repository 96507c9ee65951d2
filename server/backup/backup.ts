import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { BackupInputError } from './backup-error.js';
import { openDataDirDatabase } from './data-dir-database.js';
import { dumpDatabase } from './dump-database.js';
import {
  type BackupManifest,
  MANIFEST_FORMAT,
  MANIFEST_MEMBER,
  type MemberDigest,
} from './manifest.js';
import { readIdentityFiles } from './pki-members.js';
import { TarWriter } from './tar.js';

export interface BackupOptions {
  /** The server's data folder: its PKI always, its embedded database unless databaseUrl. */
  readonly dataDir: string;
  readonly databaseUrl?: string;
  readonly out: string;
  readonly smcKitVersion: string;
  readonly progress: (line: string) => void;
}

export interface BackupResult {
  readonly file: string;
  readonly bytes: number;
  readonly seconds: number;
  readonly manifest: BackupManifest;
}

/** Where identity files go in the archive: `data/<path inside the data folder>`. */
export const DATA_PREFIX = 'data/';

/**
 * `smc admin backup`: one archive (tar) of the database snapshot, the identity folders and a
 * manifest with versions, schema levels and a SHA-256 per member. Written to `<out>.partial`
 * and renamed when complete and flushed, so a failed or interrupted backup never leaves a
 * file that looks like a good one (and never replaces one).
 */
export async function backup(options: BackupOptions): Promise<BackupResult> {
  const started = Date.now();
  const { dataDir, progress } = options;
  const out = path.resolve(options.out);
  if (existsSync(out)) throw new BackupInputError('--out', `${out} exists; choose another name`);
  const identity = await readIdentityFiles(dataDir);
  if (
    !identity.some((f) => f.name === 'pki/ca.key') ||
    !identity.some((f) => f.name === 'pki/ca.pem')
  )
    throw new BackupInputError(
      '--data-dir',
      `${path.join(dataDir, 'pki')} holds no agent CA (ca.pem, ca.key): not a server data folder`,
    );
  const database = options.databaseUrl
    ? { url: options.databaseUrl, close: async () => {} }
    : await openDataDirDatabase(dataDir, progress);
  if (!database)
    throw new BackupInputError(
      '--data-dir',
      `${dataDir} holds no embedded database (pg/PG_VERSION); for a server on another PostgreSQL pass --database-url`,
    );
  const partial = `${out}.partial`;
  const work = await mkdtemp(path.join(path.dirname(out), `.${path.basename(out)}.dump-`));
  let writer: TarWriter | undefined;
  try {
    const dump = await dumpDatabase(database.url, work, progress).finally(() => database.close());
    await rm(partial, { force: true });
    writer = await TarWriter.create(partial);
    const members: Record<string, MemberDigest & { mode?: number }> = {};
    for (const file of identity) {
      const name = `${DATA_PREFIX}${file.name}`;
      await writer.addBuffer(name, file.content);
      members[name] = { size: file.content.length, sha256: sha256(file.content), mode: file.mode };
    }
    for (const table of dump.tables) {
      await writer.addFile(table.member, table.file, table.size);
      members[table.member] = { size: table.size, sha256: table.sha256 };
    }
    const manifest: BackupManifest = {
      format: MANIFEST_FORMAT,
      smcKitVersion: options.smcKitVersion,
      createdAt: new Date().toISOString(),
      snapshotAt: dump.snapshotAt,
      postgres: { version: dump.postgresVersion },
      schemas: dump.schemas,
      tables: dump.tables.map(({ table, rows, member }) => ({ table, rows, member })),
      sequences: dump.sequences,
      members,
    };
    await writer.addBuffer(MANIFEST_MEMBER, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
    await writer.finish();
    writer = undefined;
    await rename(partial, out);
    const { size } = await stat(out);
    return { file: out, bytes: size, seconds: (Date.now() - started) / 1000, manifest };
  } catch (error) {
    writer?.destroy();
    await rm(partial, { force: true });
    throw error;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}
