import { createHash, type KeyObject, type webcrypto } from 'node:crypto';
import { importP256SigningKey, KeyFileProblem, parseMatchingP256PrivateKey } from './key-pair.js';
import { PkiError } from './pki-error.js';
import { randomSerialNumber } from './serial-number.js';
import type { Validity } from './validity.js';
import { P256_SIGNING_ALGORITHM, pkiCrypto } from './web-crypto.js';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  type Extension,
  type PublicKey,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  type X509CertificateCreateParamsName,
  X509CertificateGenerator,
} from './x509.js';

/** The agent CA ready to sign: parsed once, its private key imported once. */
export interface IssuingCa {
  readonly certificate: X509Certificate;
  readonly signingKey: webcrypto.CryptoKey;
  /** The same key for node:crypto, which signs agent certificates (agent-signer.ts). */
  readonly privateKey: KeyObject;
  readonly authorityKeyId: AuthorityKeyIdentifierExtension;
}

export interface CaFileNames {
  readonly caFile: string;
  readonly caKeyFile: string;
}

/** What an operator can do about a broken CA pair; said in every CA-related PKI_CORRUPT. */
export function caRecoveryAdvice(pkiDir: string): string {
  return (
    'Restore ca.pem and ca.key together from a backup, or delete the folder ' +
    `${pkiDir} to create a new agent CA (every enrolled agent must then enroll again).`
  );
}

/** Parses and cross-checks the stored CA pair; any defect is PKI_CORRUPT naming the file. */
export async function loadIssuingCa(
  certPem: string,
  keyPem: string,
  files: CaFileNames,
  advice: string,
): Promise<IssuingCa> {
  const certificate = parseCaCertificate(certPem, files.caFile, advice);
  let key: ReturnType<typeof parseMatchingP256PrivateKey>;
  try {
    key = parseMatchingP256PrivateKey(keyPem, certificate.publicKey.rawData);
  } catch (error) {
    if (!(error instanceof KeyFileProblem)) throw error;
    throw new PkiError('PKI_CORRUPT', `${files.caKeyFile} ${error.message}. ${advice}`, {
      cause: error,
    });
  }
  const signingKey = await importP256SigningKey(key);
  const ski = certificate.getExtension(SubjectKeyIdentifierExtension);
  const authorityKeyId = ski
    ? new AuthorityKeyIdentifierExtension(ski.keyId)
    : await AuthorityKeyIdentifierExtension.create(certificate.publicKey, false, pkiCrypto);
  return { certificate, signingKey, privateKey: key, authorityKeyId };
}

function parseCaCertificate(pem: string, file: string, advice: string): X509Certificate {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch (error) {
    throw new PkiError('PKI_CORRUPT', `${file} is not a readable PEM certificate. ${advice}`, {
      cause: error,
    });
  }
  if (certificate.getExtension(BasicConstraintsExtension)?.ca !== true) {
    throw new PkiError(
      'PKI_CORRUPT',
      `${file} is not a CA certificate (basicConstraints CA:true is missing). ${advice}`,
    );
  }
  return certificate;
}

export interface LeafRequest {
  readonly subject: X509CertificateCreateParamsName;
  /** The key being certified, already parsed (a CSR's, or a freshly generated one). */
  readonly publicKey: PublicKey;
  readonly validity: Validity;
  /** Profile extensions (basic constraints, key usage, EKU, SAN); key identifiers are added here. */
  readonly extensions: readonly Extension[];
}

/** Signs one end-entity certificate with the CA's imported key; returns it as PEM. */
export async function issueLeafCertificate(ca: IssuingCa, request: LeafRequest): Promise<string> {
  const certificate = await X509CertificateGenerator.create(
    {
      serialNumber: randomSerialNumber(),
      subject: request.subject,
      issuer: ca.certificate.subjectName,
      publicKey: request.publicKey,
      signingKey: ca.signingKey,
      signingAlgorithm: P256_SIGNING_ALGORITHM,
      notBefore: request.validity.notBefore,
      notAfter: request.validity.notAfter,
      extensions: [
        ...request.extensions,
        new SubjectKeyIdentifierExtension(keyIdentifierOf(request.publicKey)),
        ca.authorityKeyId,
      ],
    },
    pkiCrypto,
  );
  return `${certificate.toString('pem')}\n`;
}

/**
 * A leaf's key identifier: SHA-1 over its whole SubjectPublicKeyInfo. RFC 5280 (4.2.1.2)
 * accepts any method that yields unique values; this one needs no second parse of the key
 * and no WebCrypto round trip, which the library's helper costs (a tenth of an enrollment).
 * The CA's own identifier, which agents' AKI must match, still comes from the library.
 */
export function keyIdentifierOf(publicKey: PublicKey): string {
  return createHash('sha1').update(new Uint8Array(publicKey.rawData)).digest('hex');
}
