import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EnrolledIdentity } from './enroll.js';

/**
 * The identity cache folder: enrolled keys and certificates, reused across runs so a fleet
 * enrolls once. `cache.json` says which server the identities belong to; `agents.ndjson`
 * holds one identity per line, in fleet order.
 */
export interface IdentityCacheMeta {
  readonly format: 1;
  /** sha256 of the CA that verifies the server (the --ca the cache was made with). */
  readonly serverCaSha256: string;
  /** sha256 of the agent CA the server returned at enrollment. */
  readonly agentCaSha256: string;
  readonly target: string;
  /**
   * The --seed the identities were enrolled under: the seed draws each agent's machine (and so
   * its fingerprint), so a later run with another --seed keeps drawing the machines from this
   * one (the same ids under other machines would be clones). Absent in older caches.
   */
  readonly seed?: number;
}

export class IdentityCacheMismatch extends Error {
  override readonly name = 'IdentityCacheMismatch';
}

const META = 'cache.json';
const AGENTS = 'agents.ndjson';

/** Reads the cache, or returns null when the folder holds none yet. */
export async function readIdentityCache(
  dir: string,
  serverCaSha256: string,
  field: string,
): Promise<EnrolledIdentity[] | null> {
  let metaText: string;
  try {
    metaText = await readFile(join(dir, META), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const meta = JSON.parse(metaText) as Partial<IdentityCacheMeta>;
  if (meta.format !== 1 || typeof meta.serverCaSha256 !== 'string') {
    throw new IdentityCacheMismatch(`${field}: ${join(dir, META)} is not an smc identity cache`);
  }
  if (meta.serverCaSha256 !== serverCaSha256) {
    throw new IdentityCacheMismatch(
      `${field}: ${dir} holds identities enrolled with another server (${meta.target}, CA sha256 ${meta.serverCaSha256.slice(0, 16)}...; the target's CA is ${serverCaSha256.slice(0, 16)}...): use another folder or delete this one`,
    );
  }
  const lines = (await readFile(join(dir, AGENTS), 'utf8').catch(() => '')).split('\n');
  return lines
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as EnrolledIdentity);
}

/** The --seed the cache's identities were enrolled under (undefined: none yet, or an old cache). */
export async function identityCacheSeed(dir: string): Promise<number | undefined> {
  const text = await readFile(join(dir, META), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const seed = (JSON.parse(text) as Partial<IdentityCacheMeta>).seed;
  return typeof seed === 'number' ? seed : undefined;
}

/** Starts a cache (when new) and appends freshly enrolled identities to it. */
export async function appendToIdentityCache(
  dir: string,
  meta: IdentityCacheMeta,
  identities: readonly EnrolledIdentity[],
): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, META), `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o600 });
  const text = identityLines(identities);
  if (text) await appendFile(join(dir, AGENTS), text, { mode: 0o600 });
}

/** One identity per line (nothing else of them is kept). */
function identityLines(identities: readonly EnrolledIdentity[]): string {
  return identities
    .map(
      (identity) =>
        `${JSON.stringify({ agentId: identity.agentId, keyPem: identity.keyPem, certPem: identity.certPem })}\n`,
    )
    .join('');
}

/** Replaces the cache with `identities` (in fleet order): for a writer that holds them all. */
export async function writeIdentityCache(
  dir: string,
  meta: IdentityCacheMeta,
  identities: readonly EnrolledIdentity[],
): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, AGENTS), identityLines(identities), { mode: 0o600 });
  await writeFile(join(dir, META), `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o600 });
}
