import { generateKeyPair, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import { ecCsrDer } from './csr-der.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface KeyAndCsr {
  readonly keyPem: string;
  readonly csrPem: string;
}

/**
 * A fresh ECDSA P-256 key and a CSR for it. The CN is only a hint (the server assigns the
 * agent's UUID and puts it in the certificate); the key never leaves this process and the
 * identity cache. Key generation runs on libuv's pool, so concurrent enrollments use every core.
 */
export async function createKeyAndCsr(hint: string): Promise<KeyAndCsr> {
  const { publicKey, privateKey } = await generateKeyPairAsync('ec', { namedCurve: 'P-256' });
  const csr = ecCsrDer(hint, publicKey, privateKey);
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    csrPem: toPem(csr, 'CERTIFICATE REQUEST'),
  };
}

export function toPem(der: Uint8Array, label: string): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** sha256 of a PEM certificate's DER, lower-case hex: how caches recognise a CA. */
export function certificateFingerprint(pem: string, field: string): string {
  try {
    return new X509Certificate(pem).fingerprint256.replaceAll(':', '').toLowerCase();
  } catch (error) {
    throw new RangeError(`${field}: not a PEM certificate (${(error as Error).message})`);
  }
}
