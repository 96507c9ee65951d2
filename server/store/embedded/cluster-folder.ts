import { createHash } from 'node:crypto';
import { existsSync, lstatSync, realpathSync } from 'node:fs';
import { readlink, rename, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeFolder } from '../../make-folder.js';
import { EmbeddedPostgresError } from './errors.js';
import { canReach, type RunAs } from './run-as.js';

/**
 * Where root's clusters live when the `postgres` user cannot traverse the folder smc was
 * given (e.g. `/root/work/.smc`, `/root` being 0700): durable (not /tmp), owned by root,
 * one folder per data folder. The data folder gets a symlink `pg -> <here>/<id>`, so it keeps
 * naming its cluster wherever the symlink target lives. `SMC_PG_CLUSTER_HOME` names another.
 */
export function rootClusterHome(): string {
  return process.env.SMC_PG_CLUSTER_HOME || '/var/lib/smc-kit/embedded-postgres';
}

export interface ClusterFolder {
  /** The real folder PostgreSQL uses (what `-D` gets). */
  readonly path: string;
  /** Said once when the cluster had to move out of a folder `postgres` cannot traverse. */
  readonly relocatedBecause?: string;
}

/**
 * The cluster folder for `requested` (e.g. `<data-dir>/pg`). As a non-root user, or when the
 * `postgres` user can traverse to its parent, it is `requested` itself; otherwise (root, a
 * 0700 parent) it is a folder under rootClusterHome() linked from `requested`.
 */
export async function resolveClusterFolder(
  requested: string,
  runAs: RunAs | undefined,
): Promise<ClusterFolder> {
  const wanted = path.resolve(requested);
  if (isSymlink(wanted)) {
    const target = path.resolve(path.dirname(wanted), await readlink(wanted));
    if (!canReach(runAs, path.dirname(target))) {
      throw new EmbeddedPostgresError(
        `embedded PostgreSQL: ${wanted} links to ${target}, which user "${runAs?.name}" cannot reach; fix the folder's permissions or remove the link`,
      );
    }
    return { path: target };
  }
  const parent = path.dirname(wanted);
  await makeFolder(parent);
  if (canReach(runAs, parent)) return { path: wanted };
  const blocker = firstUntraversable(runAs, parent);
  if (existsSync(wanted)) {
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL: user "${runAs?.name}" (who runs PostgreSQL for root) cannot traverse ${blocker} to reach the cluster in ${wanted}; allow it (chmod o+x ${blocker}) or move the data folder`,
    );
  }

  const id = createHash('sha256').update(realpathSync(parent)).digest('hex').slice(0, 16);
  const home = rootClusterHome();
  const target = path.join(home, `${id}-${path.basename(wanted)}`);
  let setAside = '';
  try {
    await makeFolder(home);
    if (!canReach(runAs, home)) {
      throw new Error(
        `user "${runAs?.name}" cannot traverse it either (chmod 755 on it and its parents)`,
      );
    }
    // A cluster of an earlier data folder at the same path whose link was deleted: never
    // reuse it under a new PKI, never delete it either.
    if (existsSync(target)) {
      setAside = `${target}.stale-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await rename(target, setAside);
    }
    await writeFile(`${target}.origin`, `${wanted}\n`);
    await symlink(target, wanted);
  } catch (error) {
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL: user "${runAs?.name}" cannot traverse ${blocker}, and the cluster could not be placed in ${home} instead (${(error as Error).message}); choose a --data-dir under a folder others may traverse, or pass --database-url`,
    );
  }
  return {
    path: target,
    relocatedBecause: `user "${runAs?.name}" (who runs PostgreSQL for root) cannot traverse ${blocker}: the cluster lives in ${target}, linked from ${wanted}${setAside ? `; an older cluster found there was kept as ${setAside}` : ''}`,
  };
}

function isSymlink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The outermost folder on the way to `folder` that `runAs` cannot traverse. */
function firstUntraversable(runAs: RunAs | undefined, folder: string): string {
  const parts = path.resolve(folder).split(path.sep).filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const prefix = `${path.sep}${parts.slice(0, i).join(path.sep)}`;
    if (!canReach(runAs, prefix)) return prefix;
  }
  return folder;
}
