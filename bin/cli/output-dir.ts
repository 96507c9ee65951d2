import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from './usage-error.js';

/**
 * Creates an output folder one level at a time, failing at once with the flag's name. Node's
 * `mkdir({ recursive: true })` loops forever on a place like /proc (ENOENT from a parent that
 * exists), which left `smc rehearse --report-dir /proc/xx` spinning; a plain mkdir per level
 * cannot loop and says which level refused.
 */
export async function ensureOutputDir(dir: string, flag: string): Promise<void> {
  const target = path.resolve(dir);
  const missing: string[] = [];
  let at = target;
  for (;;) {
    const found = await stat(at).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw new UsageError(`${flag}: cannot use ${dir} (${error.code ?? error.message} at ${at})`);
    });
    if (found) {
      if (!found.isDirectory())
        throw new UsageError(`${flag}: cannot use ${dir}: ${at} is not a folder`);
      break;
    }
    missing.unshift(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const level of missing) {
    await mkdir(level).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return;
      throw new UsageError(
        `${flag}: cannot create ${level} (${error.code ?? error.message}); give a folder you can write`,
      );
    });
  }
  // A folder that exists but takes no files would fail only after the whole run.
  const probe = path.join(target, `.smc-write-check-${process.pid}`);
  await writeFile(probe, '').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`${flag}: cannot write in ${dir} (${error.code ?? error.message})`);
  });
  await rm(probe, { force: true });
}
