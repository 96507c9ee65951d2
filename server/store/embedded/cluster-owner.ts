import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { identityOf, isRunning, type ProcessIdentity } from './process-identity.js';

/**
 * The smc process that owns a cluster's postmaster, recorded in the cluster folder before
 * PostgreSQL starts. On the next start it tells a postmaster left behind by a crashed owner
 * (stop it, start again) from one that another running smc process still uses (refuse).
 */
export interface ClusterOwner extends ProcessIdentity {
  readonly command: string;
  readonly startedAt: string;
}

const FILE = 'smc-owner.json';

export async function recordOwner(cluster: string): Promise<void> {
  const owner: ClusterOwner = {
    ...identityOf(process.pid),
    command: process.argv.slice(1).join(' '),
    startedAt: new Date().toISOString(),
  };
  await writeFile(path.join(cluster, FILE), `${JSON.stringify(owner)}\n`, { mode: 0o644 });
}

export function readOwner(cluster: string): ClusterOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path.join(cluster, FILE), 'utf8')) as ClusterOwner;
    return Number.isInteger(owner.pid) ? owner : undefined;
  } catch {
    return undefined;
  }
}

export function ownerIsRunning(owner: ClusterOwner): boolean {
  return isRunning(owner);
}

/** Removes the record if it is ours (a later owner's record stays). */
export async function releaseOwner(cluster: string): Promise<void> {
  if (readOwner(cluster)?.pid === process.pid) await rm(path.join(cluster, FILE), { force: true });
}
