import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { findLeftover } from '../store/embedded/leftover-postmaster.js';
import { embeddedDatabaseUrl, startEmbeddedPostgres } from '../store/embedded-postgres.js';

export interface OpenedDatabase {
  readonly url: string;
  /** Stops the PostgreSQL this call started; nothing when it was already running. */
  close(): Promise<void>;
}

/** The embedded cluster of a data folder, as `smc serve` places it. */
export function clusterOf(dataDir: string): string {
  return path.join(dataDir, 'pg');
}

/**
 * The embedded database of `dataDir`: the running server's own postmaster when one is up (a
 * backup under load reads from it through a snapshot, the server keeps going), or one started
 * here for the duration when the server is stopped. Null when the folder has no cluster.
 */
export async function openDataDirDatabase(
  dataDir: string,
  notice: (line: string) => void,
): Promise<OpenedDatabase | null> {
  const requested = clusterOf(path.resolve(dataDir));
  if (!existsSync(path.join(requested, 'PG_VERSION'))) return null;
  const cluster = realpathSync(requested);
  const leftover = findLeftover(cluster);
  if (leftover.kind !== 'none') {
    const port = postmasterPort(cluster);
    if (port !== undefined) {
      notice(`reading the running embedded PostgreSQL (postmaster ${leftover.pid}, port ${port})`);
      return { url: embeddedDatabaseUrl(port), close: async () => {} };
    }
  }
  notice(`starting the embedded PostgreSQL in ${requested} for the copy`);
  const started = await startEmbeddedPostgres({ dataDir: requested, onNotice: notice });
  return { url: started.url, close: () => started.stop() };
}

/** postmaster.pid's fourth line is the port (PostgreSQL's documented layout). */
function postmasterPort(cluster: string): number | undefined {
  try {
    const line = readFileSync(path.join(cluster, 'postmaster.pid'), 'utf8').split('\n')[3];
    const port = Number.parseInt(line ?? '', 10);
    return Number.isInteger(port) && port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}
