import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { PKI_DIR_NAME, PKI_FILE_NAMES } from './layout.js';
import { PkiError } from './pki-error.js';
import type { PkiFiles } from './pki-material.js';
import type { ServerKeyPair } from './server-certificate.js';

/** Private keys and the admin token: owner read/write only. */
export const SECRET_FILE_MODE = 0o600;
/** Certificates are public. */
export const PUBLIC_FILE_MODE = 0o644;
export const PKI_DIR_MODE = 0o700;

export function pkiFilesIn(pkiDir: string): PkiFiles {
  return {
    caFile: join(pkiDir, PKI_FILE_NAMES.caCertificate),
    caKeyFile: join(pkiDir, PKI_FILE_NAMES.caPrivateKey),
    serverCertFile: join(pkiDir, PKI_FILE_NAMES.serviceCertificate),
    serverKeyFile: join(pkiDir, PKI_FILE_NAMES.serviceKey),
    adminTokenFile: join(pkiDir, PKI_FILE_NAMES.adminToken),
  };
}

export function pkiDirOf(dataDir: string): string {
  return resolve(dataDir, PKI_DIR_NAME);
}

/** The file's text, or null when it does not exist; other read failures are PKI_CORRUPT. */
export async function readIfPresent(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new PkiError('PKI_CORRUPT', `${file} cannot be read (${(error as Error).message})`, {
      cause: error,
    });
  }
}

/**
 * Writes through a temporary file in the same folder, flushed, then renamed over the target:
 * a crash leaves the old file or the new one, never half of either. The temporary file is
 * created with `mode`, so a secret is never readable by others, not even for a moment.
 */
export async function writeFileAtomically(file: string, content: string, mode: number) {
  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'wx', mode);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(dirname(file));
}

/** Makes the rename itself durable (the directory entry is what changed). */
export async function syncDirectory(dir: string) {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Creates `dir` as 0700, or tightens an existing one (mkdir's mode is subject to umask). */
export async function ensurePrivateDirectory(dir: string) {
  await mkdir(dir, { recursive: true, mode: PKI_DIR_MODE });
  await tightenMode(dir, PKI_DIR_MODE);
}

/** Removes group/other bits beyond `mode`, e.g. after a restore from a backup that lost them. */
export async function tightenMode(path: string, mode: number) {
  const current = (await stat(path)).mode & 0o777;
  if ((current & ~mode) !== 0) await chmod(path, current & mode);
}

/** Writes a server key and certificate as a pair. */
export async function writeServerPair(files: PkiFiles, server: ServerKeyPair) {
  // Key first: a crash in between leaves a pair that does not match, which is re-issued.
  await writeFileAtomically(files.serverKeyFile, server.privateKeyPem, SECRET_FILE_MODE);
  await writeFileAtomically(files.serverCertFile, server.certPem, PUBLIC_FILE_MODE);
}
