import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import { issueFreshLeaf } from './fresh-leaf.js';
import type { IssuingCa } from './issuing-ca.js';
import { KeyFileProblem, parseMatchingP256PrivateKey } from './key-pair.js';
import { PkiError } from './pki-error.js';
import { normalizeSubjectNames, type SubjectNames } from './subject-names.js';
import { daysUntil, SERVER_RENEW_BEFORE_DAYS } from './validity.js';
import { pkiCrypto } from './web-crypto.js';
import { ExtendedKeyUsage, SubjectAlternativeNameExtension, X509Certificate } from './x509.js';

export interface ServerKeyPair {
  readonly certPem: string;
  readonly privateKeyPem: string;
}

/** A TLS server certificate for `names` (DNS and IP SANs), with a fresh P-256 key. */
export async function issueServerCertificate(
  ca: IssuingCa,
  names: SubjectNames,
): Promise<ServerKeyPair> {
  const commonName = names.dnsNames[0] ?? names.ipAddresses[0] ?? 'smc-kit server';
  const { certPem, privateKeyPem } = await issueFreshLeaf(ca, {
    commonName,
    usage: ExtendedKeyUsage.serverAuth,
    extensions: [
      new SubjectAlternativeNameExtension([
        ...names.dnsNames.map((value) => ({ type: 'dns' as const, value })),
        ...names.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
      ]),
    ],
  });
  return { certPem, privateKeyPem };
}

export interface ServerFileNames {
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
}

/** What the stored server pair needs: nothing, or a re-issue for the names it should cover. */
export type ServerCertificateVerdict =
  | { readonly action: 'reuse' }
  | { readonly action: 'reissue'; readonly reason: string; readonly names: SubjectNames };

/**
 * Decides whether the stored server pair can serve `wanted`. A pair that merely went stale
 * (other CA, near expiry, names missing, key replaced) is re-issued for the union of its old
 * names and the wanted ones, so clients that used an old name keep working. A file that is
 * not PEM at all was not written by us (writes are atomic) and is PKI_CORRUPT.
 */
export async function judgeServerCertificate(
  ca: IssuingCa,
  certPem: string,
  keyPem: string,
  wanted: SubjectNames,
  files: ServerFileNames,
): Promise<ServerCertificateVerdict> {
  const advice = `Delete ${files.serverCertFile} and ${files.serverKeyFile}; they are re-issued from the agent CA at the next start.`;
  let certificate: X509Certificate;
  let nodeCertificate: NodeX509Certificate;
  try {
    certificate = new X509Certificate(certPem);
    nodeCertificate = new NodeX509Certificate(certPem);
  } catch (error) {
    throw new PkiError(
      'PKI_CORRUPT',
      `${files.serverCertFile} is not a readable PEM certificate. ${advice}`,
      {
        cause: error,
      },
    );
  }
  const names = unionOf(namesIn(certificate), wanted);
  const reissue = (reason: string): ServerCertificateVerdict => ({
    action: 'reissue',
    reason,
    names,
  });

  try {
    parseMatchingP256PrivateKey(keyPem, certificate.publicKey.rawData);
  } catch (error) {
    if (!(error instanceof KeyFileProblem)) throw error;
    if (error.kind === 'mismatch') return reissue(`${files.serverKeyFile} ${error.message}`);
    throw new PkiError('PKI_CORRUPT', `${files.serverKeyFile} ${error.message}. ${advice}`, {
      cause: error,
    });
  }
  const signedByCa = await certificate.verify(
    { publicKey: ca.certificate.publicKey, signatureOnly: true },
    pkiCrypto,
  );
  if (!signedByCa) return reissue(`${files.serverCertFile} was not issued by the current agent CA`);
  if (daysUntil(certificate.notAfter) < SERVER_RENEW_BEFORE_DAYS) {
    return reissue(`${files.serverCertFile} expires on ${certificate.notAfter.toISOString()}`);
  }
  const uncovered = [
    ...wanted.dnsNames.filter(
      (name) => nodeCertificate.checkHost(name, { subject: 'never' }) === undefined,
    ),
    ...wanted.ipAddresses.filter((ip) => nodeCertificate.checkIP(ip) === undefined),
  ];
  if (uncovered.length > 0)
    return reissue(`${files.serverCertFile} does not cover ${uncovered.join(', ')}`);
  return { action: 'reuse' };
}

function namesIn(certificate: X509Certificate): SubjectNames {
  const san = certificate.getExtension(SubjectAlternativeNameExtension);
  const items = san?.names.items ?? [];
  return {
    dnsNames: items.filter((item) => item.type === 'dns').map((item) => item.value),
    ipAddresses: items.filter((item) => item.type === 'ip').map((item) => item.value),
  };
}

function unionOf(stored: SubjectNames, wanted: SubjectNames): SubjectNames {
  try {
    return normalizeSubjectNames(
      [...wanted.dnsNames, ...stored.dnsNames],
      [...wanted.ipAddresses, ...stored.ipAddresses],
    );
  } catch {
    // A stored name we would not accept today (say, a wildcard added by hand) is dropped.
    return wanted;
  }
}
