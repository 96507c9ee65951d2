import { randomBytes } from 'node:crypto';
import { generateP256KeyPair } from './key-pair.js';
import { randomSerialNumber } from './serial-number.js';
import { CA_VALIDITY_DAYS, validityFromNow } from './validity.js';
import { P256_SIGNING_ALGORITHM, pkiCrypto } from './web-crypto.js';
import {
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  X509CertificateGenerator,
} from './x509.js';

export interface CreatedCa {
  readonly certPem: string;
  readonly privateKeyPem: string;
}

/**
 * A default CA name carries a random suffix so two deployments' CAs never share a subject
 * name (a client trusting both would otherwise have to tell them apart by key id alone).
 */
export function defaultCaCommonName(): string {
  return `smc-kit agent CA ${randomBytes(4).toString('hex')}`;
}

/**
 * The agent CA: self-signed, CA:true with path length 0 (it issues leaves only), allowed to
 * sign certificates and CRLs, valid ten years.
 */
export async function createAgentCa(commonName: string): Promise<CreatedCa> {
  const { keys, privateKeyPem } = await generateP256KeyPair();
  const certificate = await X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerialNumber(),
      name: [{ CN: [commonName] }],
      keys,
      signingAlgorithm: P256_SIGNING_ALGORITHM,
      ...validityFromNow(CA_VALIDITY_DAYS),
      extensions: [
        new BasicConstraintsExtension(true, 0, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
        await SubjectKeyIdentifierExtension.create(keys.publicKey, false, pkiCrypto),
      ],
    },
    pkiCrypto,
  );
  return { certPem: `${certificate.toString('pem')}\n`, privateKeyPem };
}
