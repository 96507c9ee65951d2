import { createHash, randomBytes } from 'node:crypto';

/** Tokens are shown once and stored only as a SHA-256 hash. */
export function newEnrollmentToken(): { token: string; hash: string } {
  const token = `smc_${randomBytes(24).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
