import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { ownerIsRunning, readOwner } from './cluster-owner.js';
import { EmbeddedPostgresError } from './errors.js';
import { parentPid, pidAlive, workingFolder } from './process-identity.js';

/**
 * A postmaster still running in a cluster folder when smc wants to start one there: after a
 * crash (SIGKILL, OOM) of the smc process that owned it, or because another smc process uses
 * the folder right now. The first is stopped cleanly, the second refused.
 */
export type Leftover =
  | { readonly kind: 'none' }
  | { readonly kind: 'orphan'; readonly pid: number; readonly owner: string }
  | { readonly kind: 'in-use'; readonly pid: number; readonly owner: string };

export function findLeftover(cluster: string): Leftover {
  const pid = postmasterPid(cluster);
  // No pid file, or a stale one of a dead postmaster: PostgreSQL itself copes with that.
  if (pid === undefined || !pidAlive(pid) || !worksIn(pid, cluster)) return { kind: 'none' };
  const owner = readOwner(cluster);
  if (owner && ownerIsRunning(owner)) {
    return {
      kind: 'in-use',
      pid,
      owner: `smc process ${owner.pid} (${owner.command}, since ${owner.startedAt})`,
    };
  }
  if (!owner) {
    // No record (a cluster from an older smc, or started by hand): a live parent owns it.
    const parent = parentPid(pid);
    if (parent !== undefined && parent > 1 && pidAlive(parent)) {
      return { kind: 'in-use', pid, owner: `process ${parent}` };
    }
  }
  return {
    kind: 'orphan',
    pid,
    owner: owner ? `smc process ${owner.pid}, which is gone` : 'no owner',
  };
}

/**
 * Stops an orphaned postmaster: fast shutdown (SIGINT: aborts sessions, writes a checkpoint),
 * then immediate (SIGQUIT: crash recovery at the next start, still nothing committed lost).
 */
export async function stopOrphan(pid: number, cluster: string): Promise<void> {
  for (const [signal, waitMs] of [
    ['SIGINT', 20_000],
    ['SIGQUIT', 10_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (!pidAlive(pid)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new EmbeddedPostgresError(
    `embedded PostgreSQL: the postmaster (pid ${pid}) left running in ${cluster} by a previous smc process did not stop; kill it and start again`,
  );
}

function postmasterPid(cluster: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path.join(cluster, 'postmaster.pid'), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The postmaster works in its data folder: a recycled pid working elsewhere is not it. */
function worksIn(pid: number, cluster: string): boolean {
  const cwd = workingFolder(pid);
  if (cwd === undefined) return true; // no /proc: trust the pid file
  try {
    return realpathSync(cwd) === realpathSync(cluster);
  } catch {
    return false;
  }
}
