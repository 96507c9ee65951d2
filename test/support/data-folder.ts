import { lstat, mkdtemp, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A throwaway folder for a test; `traversable` makes it 0711 so the embedded PostgreSQL's
 * system user (as root) can reach a cluster inside, as a real data folder would be. Left
 * at mkdtemp's 0700, a cluster inside is relocated (see server/store/embedded).
 */
export async function tempFolder(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

/**
 * Removes a data folder and, where its `pg` was relocated (root, a parent PostgreSQL's user
 * cannot traverse), the cluster the link points at, so tests leave nothing behind.
 */
export async function removeDataFolder(folder: string, clusterLinks: readonly string[] = ['pg']) {
  for (const link of clusterLinks) {
    const file = path.join(folder, link);
    const stat = await lstat(file).catch(() => undefined);
    if (stat?.isSymbolicLink()) {
      const target = path.resolve(path.dirname(file), await readlink(file));
      await rm(target, { recursive: true, force: true });
      await rm(`${target}.origin`, { force: true });
    }
  }
  await rm(folder, { recursive: true, force: true });
}
