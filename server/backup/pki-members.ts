import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The folders of a data folder that hold identity, as paths inside it: the server's PKI (agent
 * CA, server pair, admin token) and, with `smc serve --with-mdm`, the connector's device CA and
 * its relay identity. Losing any of them orphans agents or devices; a new CA would make every
 * agent enroll again.
 */
export const IDENTITY_FOLDERS = ['pki', 'mdm/pki', 'mdm/relay', 'relay'] as const;

export interface IdentityFile {
  /** Path inside the data folder, POSIX style, e.g. `pki/ca.key`. */
  readonly name: string;
  readonly content: Buffer;
  readonly mode: number;
}

/** Every plain file in the identity folders (atomic-write leftovers `.x.tmp` excluded). */
export async function readIdentityFiles(dataDir: string): Promise<IdentityFile[]> {
  const files: IdentityFile[] = [];
  for (const folder of IDENTITY_FOLDERS) {
    const entries = await readdir(path.join(dataDir, folder)).catch(() => [] as string[]);
    for (const entry of entries.sort()) {
      if (entry.startsWith('.')) continue;
      const file = path.join(dataDir, folder, entry);
      const info = await lstat(file);
      if (!info.isFile()) continue;
      files.push({
        name: `${folder}/${entry}`,
        content: await readFile(file),
        mode: info.mode & 0o777,
      });
    }
  }
  return files;
}
