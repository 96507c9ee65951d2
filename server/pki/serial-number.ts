import { randomBytes } from 'node:crypto';

/**
 * 128 random bits as hex. Random serials keep two certificates from one CA distinct without
 * shared state between server processes (and RFC 5280 leaves room for 20 octets).
 */
export function randomSerialNumber(): string {
  return randomBytes(16).toString('hex');
}
