import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './run.js';

export const BUILD_SCRIPT = fileURLToPath(new URL('../hosts/build-rootfs.sh', import.meta.url));

/** Where built root file systems are kept between runs (rebuilt when missing or outdated). */
export function cacheDir(): string {
  return process.env.SMC_E2E_CACHE ?? '/var/cache/smc-kit-e2e';
}

export interface CachedRootfs {
  readonly rootfs: string;
  /** The flat apt repository of every package the roles install. */
  readonly apt: string;
  /** Seconds spent building it in this run (0 when it came from the cache). */
  readonly builtSeconds: number;
}

/**
 * The root file system and offline apt repository for `suite`, built by build-rootfs.sh on
 * first use (CI starts clean) and whenever that script changes; concurrent runs wait for one
 * build under a lock instead of racing.
 */
export async function ensureRootfs(suite: string): Promise<CachedRootfs> {
  const script = await readFile(BUILD_SCRIPT, 'utf8');
  const version = createHash('sha256').update(script).digest('hex').slice(0, 12);
  const dest = path.join(cacheDir(), `${suite}-${version}`);
  const result = { rootfs: path.join(dest, 'rootfs'), apt: path.join(dest, 'apt') };
  if (existsSync(path.join(dest, 'stamp'))) return { ...result, builtSeconds: 0 };
  await mkdir(cacheDir(), { recursive: true });
  const started = Date.now();
  // flock serializes builders; the script itself re-checks nothing, so check again inside.
  await run(
    'flock',
    [
      path.join(cacheDir(), '.build.lock'),
      'bash',
      '-c',
      `[ -f "$1/stamp" ] || bash "$2" "$3" "$1"`,
      'build',
      dest,
      BUILD_SCRIPT,
      suite,
    ],
    { timeoutMs: 900_000 },
  );
  return { ...result, builtSeconds: (Date.now() - started) / 1_000 };
}
