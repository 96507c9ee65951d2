import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isAgentId } from './agent-id.js';
import {
  type AgentSigningKey,
  checkAgentCsr,
  issueAgentCertificate,
  subjectDerOf,
} from './agent-signer.js';
import { caRecoveryAdvice, loadIssuingCa } from './issuing-ca.js';
import { PkiError } from './pki-error.js';
import type { PkiMaterial } from './pki-material.js';
import { LEAF_VALIDITY_DAYS, MAX_AGENT_VALIDITY_DAYS, validityFromNow } from './validity.js';

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
  const caKeyId = ca.authorityKeyId.keyId;
  if (!caKeyId) throw new PkiError('PKI_CORRUPT', `${caFile} has no key identifier. ${advice}`);
  const signingKey: AgentSigningKey = {
    privateKey: ca.privateKey,
    issuerDer: subjectDerOf(new Uint8Array(ca.certificate.rawData)),
    caKeyId: Buffer.from(caKeyId, 'hex'),
  };
  const caNotAfter = ca.certificate.notAfter;
  return {
    caCertPem: material.caCertPem,
    signAgentCsr: (csrPem, agentId, options) =>
      signAgentCsr(signingKey, caNotAfter, csrPem, agentId, options),
  };
}

async function signAgentCsr(
  ca: AgentSigningKey,
  caNotAfter: Date,
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
  const csr = checkAgentCsr(csrPem);
  const validity = validityFromNow(validityDays);
  // An agent certificate never outlives the CA that vouches for it.
  const notAfter = new Date(Math.min(validity.notAfter.getTime(), caNotAfter.getTime()));
  return issueAgentCertificate(ca, csr, agentId, { notBefore: validity.notBefore, notAfter });
}
