import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeFolder } from '../../make-folder.js';
import type { PostgresBinaries } from './binaries.js';
import { EmbeddedPostgresError, lastLines } from './errors.js';
import type { RunAs } from './run-as.js';

export interface InitdbOptions {
  readonly cluster: string;
  readonly binaries: PostgresBinaries;
  readonly runAs: RunAs | undefined;
  readonly user: string;
  readonly password: string;
}

/**
 * Creates a cluster in a sibling temp folder and renames it into place, so a crash during
 * initdb never leaves a half-made cluster where the next start would find one (initdb
 * refuses a non-empty folder). UTF-8 with the C locale: every agent's text is stored as sent
 * and sorted the same on every machine, whatever the host's locale.
 */
export async function initialiseCluster(options: InitdbOptions): Promise<void> {
  const { cluster, runAs } = options;
  const parent = path.dirname(cluster);
  await makeFolder(parent);
  const temp = path.join(parent, `.${path.basename(cluster)}.initdb-${process.pid}`);
  const secrets = await mkdtemp(path.join(tmpdir(), 'smc-initdb-'));
  const passwordFile = path.join(secrets, 'password');
  try {
    await rm(temp, { recursive: true, force: true });
    await mkdir(temp, { mode: 0o700 });
    await writeFile(passwordFile, `${options.password}\n`, { mode: 0o600 });
    if (runAs) {
      await chown(temp, runAs.uid, runAs.gid);
      await chown(secrets, runAs.uid, runAs.gid);
      await chown(passwordFile, runAs.uid, runAs.gid);
    }
    await run(
      options.binaries.initdb,
      [
        `--pgdata=${temp}`,
        `--username=${options.user}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-instructions',
      ],
      runAs,
      cluster,
    );
    if (existsSync(cluster)) {
      if ((await readdir(cluster)).length > 0) {
        throw new EmbeddedPostgresError(
          `embedded PostgreSQL: ${cluster} holds files but no cluster (no PG_VERSION); move it away and start again`,
        );
      }
      await rmdir(cluster);
    }
    await rename(temp, cluster);
  } finally {
    await rm(temp, { recursive: true, force: true });
    await rm(secrets, { recursive: true, force: true });
  }
}

function run(
  file: string,
  args: string[],
  runAs: RunAs | undefined,
  cluster: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      env: { ...process.env, LC_ALL: 'C' },
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_000);
    });
    child.on('error', (error) =>
      reject(
        new EmbeddedPostgresError(
          `embedded PostgreSQL: could not run initdb for ${cluster}: ${error.message}`,
        ),
      ),
    );
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new EmbeddedPostgresError(
            `embedded PostgreSQL: initdb failed for ${cluster} (${signal ?? `exit ${code}`}): ${lastLines(stderr) || 'no output'}`,
          ),
        );
    });
  });
}
