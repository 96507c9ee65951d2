import { randomBytes } from 'node:crypto';
import { ADMIN_TOKEN_MIN_LENGTH } from './layout.js';
import { PkiError } from './pki-error.js';
import { readIfPresent, SECRET_FILE_MODE, writeFileAtomically } from './pki-files.js';
import type { PkiFiles } from './pki-material.js';

/** 32 random bytes in base64url: 43 characters, safe in a header, a URL and a shell. */
export function createAdminToken(): string {
  return randomBytes(32).toString('base64url');
}

const ADMIN_TOKEN = new RegExp(`^[A-Za-z0-9_-]{${ADMIN_TOKEN_MIN_LENGTH},512}$`);

/**
 * The token stored in admin.token, tolerating the newline an editor adds; null when the
 * content is not a token we would accept (too short to hold 256 bits, or not URL-safe).
 */
export function parseAdminToken(content: string): string | null {
  const token = content.trim();
  return ADMIN_TOKEN.test(token) ? token : null;
}

/** Deleting admin.token rotates it; a file that does not hold a valid token is PKI_CORRUPT. */
export async function loadOrCreateAdminToken(files: PkiFiles): Promise<string> {
  const content = await readIfPresent(files.adminTokenFile);
  if (content === null) {
    const token = createAdminToken();
    await writeFileAtomically(files.adminTokenFile, token, SECRET_FILE_MODE);
    return token;
  }
  const token = parseAdminToken(content);
  if (token === null) {
    throw new PkiError(
      'PKI_CORRUPT',
      `${files.adminTokenFile} does not hold a valid admin token (at least ${ADMIN_TOKEN_MIN_LENGTH} URL-safe characters). ` +
        'Delete it to have a new token generated at the next start.',
    );
  }
  return token;
}
