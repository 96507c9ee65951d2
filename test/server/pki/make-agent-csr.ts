import { KeyObject, webcrypto } from 'node:crypto';
import {
  BasicConstraintsExtension,
  Pkcs10CertificateRequestGenerator,
} from '../../../server/pki/x509.js';

export interface AgentCsr {
  readonly csrPem: string;
  /** PKCS#8 PEM of the agent's private key, usable as node:tls `key`. */
  readonly privateKeyPem: string;
}

export type AgentKeyAlgorithm =
  | { readonly name: 'ECDSA'; readonly namedCurve: 'P-256' | 'P-384' }
  | { readonly name: 'RSASSA-PKCS1-v1_5'; readonly modulusLength: number }
  | { readonly name: 'Ed25519' };

export interface MakeAgentCsrOptions {
  /** The subject the agent asks for; the server ignores it. */
  readonly subject?: string;
  /** Default ECDSA P-256, what real agents use. */
  readonly algorithm?: AgentKeyAlgorithm;
  /** Ask for CA:true, as a malicious agent would; the server must not grant it. */
  readonly requestCaExtension?: boolean;
}

/** Test helper: a fresh agent key pair and a PKCS#10 CSR for it, as an agent makes them. */
export async function makeAgentCsr(options: MakeAgentCsrOptions = {}): Promise<AgentCsr> {
  const algorithm = options.algorithm ?? { name: 'ECDSA', namedCurve: 'P-256' };
  const keys = (await webcrypto.subtle.generateKey(keyGenParams(algorithm), true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const csr = await Pkcs10CertificateRequestGenerator.create(
    {
      name: options.subject ?? 'CN=agent-wants-anything',
      keys,
      signingAlgorithm: algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : algorithm,
      extensions: options.requestCaExtension
        ? [new BasicConstraintsExtension(true, undefined, true)]
        : [],
    },
    webcrypto,
  );
  return {
    csrPem: csr.toString('pem'),
    privateKeyPem: String(KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' })),
  };
}

function keyGenParams(algorithm: AgentKeyAlgorithm) {
  if (algorithm.name !== 'RSASSA-PKCS1-v1_5') return algorithm;
  return { ...algorithm, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
}
