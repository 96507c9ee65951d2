import { PkiError } from './pki-error.js';
import type { PublicKey } from './x509.js';

const MIN_RSA_BITS = 2_048;
/** Bigger RSA keys only make every handshake slower; none of our agents needs them. */
const MAX_RSA_BITS = 8_192;
/** A huge public exponent makes verification arbitrarily slow: a cheap denial of service. */
const MAX_RSA_EXPONENT_BYTES = 4;

/**
 * Accepts the agent key types the agent plane supports, ECDSA P-256 or RSA 2048-8192 bits,
 * judged from the algorithm @peculiar/x509 already parsed out of the CSR (asking OpenSSL to
 * decode the key again would double the cost of an enrollment). Whether the key material
 * itself is sound is settled when the CSR signature is verified with it.
 */
export function requireSupportedAgentKey(publicKey: PublicKey): void {
  const algorithm = publicKey.algorithm as {
    name?: string;
    namedCurve?: string;
    modulusLength?: number;
    publicExponent?: Uint8Array;
  };
  if (algorithm.name === 'ECDSA') {
    if (algorithm.namedCurve === 'P-256') return;
    throw unsupported(`its EC key is on curve ${algorithm.namedCurve ?? 'unknown'}`);
  }
  if (algorithm.name === 'RSASSA-PKCS1-v1_5') {
    const bits = algorithm.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
      throw unsupported(`its RSA key has ${bits} bits (${MIN_RSA_BITS}-${MAX_RSA_BITS} accepted)`);
    }
    const exponent = algorithm.publicExponent ?? new Uint8Array();
    if (significantBytes(exponent) > MAX_RSA_EXPONENT_BYTES) {
      throw unsupported('its RSA public exponent is too large');
    }
    return;
  }
  throw unsupported(`its key algorithm is ${algorithm.name ?? 'unknown'}`);
}

function significantBytes(bigEndian: Uint8Array): number {
  const firstNonZero = bigEndian.findIndex((byte) => byte !== 0);
  return firstNonZero === -1 ? 0 : bigEndian.length - firstNonZero;
}

function unsupported(reason: string): PkiError {
  return new PkiError(
    'CSR_KEY_UNSUPPORTED',
    `csr: ${reason}; use an ECDSA P-256 key or an RSA key of at least ${MIN_RSA_BITS} bits`,
  );
}
