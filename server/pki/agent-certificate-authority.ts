import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MAX_CSR_PEM } from '../../protocol/index.js';
import { isAgentId } from './agent-id.js';
import { requireSupportedAgentKey } from './csr-public-key.js';
import {
  caRecoveryAdvice,
  type IssuingCa,
  issueLeafCertificate,
  loadIssuingCa,
} from './issuing-ca.js';
import { PkiError } from './pki-error.js';
import type { PkiMaterial } from './pki-material.js';
import { LEAF_VALIDITY_DAYS, MAX_AGENT_VALIDITY_DAYS, validityFromNow } from './validity.js';
import { pkiCrypto } from './web-crypto.js';
import {
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  Pkcs10CertificateRequest,
} from './x509.js';

/**
 * What every agent certificate may do: authenticate a TLS client, nothing else. Built once:
 * extensions are immutable, and 10,000 agents enrolling at once should not build them 10,000 times.
 */
const AGENT_PROFILE = [
  new BasicConstraintsExtension(false, undefined, true),
  new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
  new ExtendedKeyUsageExtension([ExtendedKeyUsage.clientAuth]),
] as const;

export interface AgentCertificateAuthority {
  /**
   * Checks the CSR's self-signature (CSR_INVALID) and key type (CSR_KEY_UNSUPPORTED), then
   * issues a client-auth certificate with subject CN=<agentId>. The CSR's subject and
   * requested extensions are ignored: the server alone decides what an agent is.
   */
  signAgentCsr(
    csrPem: string,
    agentId: string,
    options?: { validityDays?: number },
  ): Promise<string>;
  readonly caCertPem: string;
}

/** Reads and imports the CA private key once; every signature after that reuses it. */
export async function loadAgentCertificateAuthority(
  material: PkiMaterial,
): Promise<AgentCertificateAuthority> {
  const { caFile, caKeyFile } = material.files;
  const advice = caRecoveryAdvice(dirname(caKeyFile));
  let keyPem: string;
  try {
    keyPem = await readFile(caKeyFile, 'utf8');
  } catch (error) {
    throw new PkiError(
      'PKI_CORRUPT',
      `${caKeyFile} cannot be read (${(error as Error).message}). ${advice}`,
      {
        cause: error,
      },
    );
  }
  const ca = await loadIssuingCa(material.caCertPem, keyPem, { caFile, caKeyFile }, advice);
  return {
    caCertPem: material.caCertPem,
    signAgentCsr: (csrPem, agentId, options) => signAgentCsr(ca, csrPem, agentId, options),
  };
}

async function signAgentCsr(
  ca: IssuingCa,
  csrPem: string,
  agentId: string,
  options: { validityDays?: number } = {},
): Promise<string> {
  if (!isAgentId(agentId)) throw new RangeError('agentId: must be a lower-case UUID');
  const validityDays = options.validityDays ?? LEAF_VALIDITY_DAYS;
  if (
    !Number.isInteger(validityDays) ||
    validityDays < 1 ||
    validityDays > MAX_AGENT_VALIDITY_DAYS
  ) {
    throw new RangeError(
      `validityDays: must be a whole number from 1 to ${MAX_AGENT_VALIDITY_DAYS}`,
    );
  }
  const csr = parseCsr(csrPem);
  requireSupportedAgentKey(csr.publicKey);
  await requireValidSelfSignature(csr);

  const validity = validityFromNow(validityDays);
  // An agent certificate never outlives the CA that vouches for it.
  const notAfter = new Date(
    Math.min(validity.notAfter.getTime(), ca.certificate.notAfter.getTime()),
  );
  return issueLeafCertificate(ca, {
    subject: [{ CN: [agentId] }],
    publicKey: csr.publicKey,
    validity: { notBefore: validity.notBefore, notAfter },
    extensions: AGENT_PROFILE,
  });
}

function parseCsr(csrPem: string): Pkcs10CertificateRequest {
  if (typeof csrPem !== 'string' || !csrPem.includes('-----BEGIN CERTIFICATE REQUEST-----')) {
    throw new PkiError('CSR_INVALID', 'csr: must be a PEM "CERTIFICATE REQUEST" (PKCS#10)');
  }
  if (csrPem.length > MAX_CSR_PEM) {
    throw new PkiError('CSR_INVALID', `csr: longer than ${MAX_CSR_PEM} characters`);
  }
  try {
    return new Pkcs10CertificateRequest(csrPem);
  } catch (error) {
    throw new PkiError('CSR_INVALID', 'csr: not a readable PKCS#10 certificate request', {
      cause: error,
    });
  }
}

async function requireValidSelfSignature(csr: Pkcs10CertificateRequest): Promise<void> {
  let valid: boolean;
  try {
    valid = await csr.verify(pkiCrypto);
  } catch (error) {
    throw new PkiError('CSR_INVALID', 'csr: its signature cannot be checked', { cause: error });
  }
  if (!valid) {
    throw new PkiError(
      'CSR_INVALID',
      'csr: its signature does not match its public key (altered or forged)',
    );
  }
}
