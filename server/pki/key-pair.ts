import { createPrivateKey, createPublicKey, KeyObject, type webcrypto } from 'node:crypto';
import { P256_KEY_ALGORITHM, pkiCrypto } from './web-crypto.js';

export interface GeneratedKeyPair {
  readonly keys: webcrypto.CryptoKeyPair;
  /** PKCS#8 PEM of the private key: what node:tls takes as `key` and what we store. */
  readonly privateKeyPem: string;
}

/** A fresh ECDSA P-256 key pair; extractable only so its private half can be written once. */
export async function generateP256KeyPair(): Promise<GeneratedKeyPair> {
  const keys = await pkiCrypto.subtle.generateKey(P256_KEY_ALGORITHM, true, ['sign', 'verify']);
  const privateKeyPem = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' });
  return { keys, privateKeyPem: String(privateKeyPem) };
}

/** Why a stored private key cannot be used; the message reads after the file name. */
export class KeyFileProblem extends Error {
  constructor(
    readonly kind: 'unreadable' | 'not-p256' | 'mismatch',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Parses a stored private key and checks it is P-256 and belongs to `certificateSpki` (the
 * DER SubjectPublicKeyInfo of the certificate it is stored beside). Throws KeyFileProblem;
 * callers put the file name in front of its message.
 */
export function parseMatchingP256PrivateKey(pem: string, certificateSpki: ArrayBuffer): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new KeyFileProblem('unreadable', 'is not a readable PEM private key', { cause: error });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new KeyFileProblem('not-p256', 'is not an ECDSA P-256 private key');
  }
  const derivedSpki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  if (!derivedSpki.equals(Buffer.from(certificateSpki))) {
    throw new KeyFileProblem('mismatch', 'does not belong to the certificate beside it');
  }
  return key;
}

/** Imports a checked private key into WebCrypto once, non-extractable, for repeated signing. */
export async function importP256SigningKey(key: KeyObject): Promise<webcrypto.CryptoKey> {
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  return pkiCrypto.subtle.importKey('pkcs8', pkcs8, P256_KEY_ALGORITHM, false, ['sign']);
}
