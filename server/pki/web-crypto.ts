import { webcrypto } from 'node:crypto';

/**
 * Node's WebCrypto, handed to every @peculiar/x509 call explicitly so the PKI does not depend
 * on the library's global provider (which any other module could replace).
 */
export const pkiCrypto: webcrypto.Crypto = webcrypto;

/** Every key this PKI makes or imports: ECDSA on P-256, signing with SHA-256. */
export const P256_KEY_ALGORITHM: webcrypto.EcKeyImportParams = {
  name: 'ECDSA',
  namedCurve: 'P-256',
};
export const P256_SIGNING_ALGORITHM: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
