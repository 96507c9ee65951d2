import './server-reflect-shim.js';
import { KeyObject, webcrypto } from 'node:crypto';
import { Pkcs10CertificateRequestGenerator } from '@peculiar/x509';

export interface BenchAgentKeys {
  readonly csrPem: string;
  /** PKCS#8 PEM, usable as node:tls `key`. */
  readonly privateKeyPem: string;
}

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** An ECDSA P-256 key pair and a PKCS#10 CSR for it, as a real agent makes them. */
export async function makeBenchAgentKeys(): Promise<BenchAgentKeys> {
  const keys = (await webcrypto.subtle.generateKey(EC_P256, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const csr = await Pkcs10CertificateRequestGenerator.create(
    {
      // The server assigns the agent id (the certificate CN); what we ask for is ignored.
      name: 'CN=smc-bench-agent',
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    },
    webcrypto,
  );
  return {
    csrPem: csr.toString('pem'),
    privateKeyPem: String(KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' })),
  };
}
