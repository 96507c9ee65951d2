import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * `mkdir -p` that fails where it cannot succeed. Node 20's `mkdir(…, { recursive: true })`
 * spins forever at full CPU on some paths the kernel refuses (e.g. under /proc); this walks
 * the parents itself, creating each missing one once, and throws the first real error.
 */
export async function makeFolder(folder: string, mode = 0o755): Promise<void> {
  const target = path.resolve(folder);
  const missing: string[] = [];
  for (let at = target; ; at = path.dirname(at)) {
    const found = await stat(at).catch(() => undefined);
    if (found) {
      if (!found.isDirectory()) throw new Error(`${at} is not a folder`);
      break;
    }
    missing.unshift(at);
    if (path.dirname(at) === at) break;
  }
  for (const at of missing) {
    await mkdir(at, { mode }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
}
