import { X509Certificate } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { EnrollResponse } from '../../../protocol/index.js';
import { isAgentId } from '../../pki/agent-id.js';
import { generateP256KeyPair } from '../../pki/key-pair.js';
import { RELAY_DIR_NAME, RELAY_FILE_NAMES } from '../../pki/layout.js';
import { readIfPresent, SECRET_FILE_MODE, writeFileAtomically } from '../../pki/pki-files.js';
import { P256_SIGNING_ALGORITHM, pkiCrypto } from '../../pki/web-crypto.js';
import { Pkcs10CertificateRequestGenerator } from '../../pki/x509.js';
import { httpsJson } from './https-json.js';

/** The connector's identity as an agent of the management server. */
export interface RelayIdentity {
  readonly agentId: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** The server's agent CA: verifies the server on every replication. */
  readonly serverCaPem: string;
}

export interface RelayEnrollment {
  /** Agent plane of the management server, e.g. https://server:2222. */
  readonly serverUrl: string;
  readonly serverCaPem: string;
  /** Called only when no identity is stored yet (first start). */
  readonly enrollmentToken: () => Promise<string>;
}

/**
 * First start: a key pair and CSR, enrolled with the server's token like any agent. Later starts
 * reuse the stored identity, so the server keeps one computer for this connector. A deployment
 * may instead place a certificate the agent CA issued (and its key) in the relay folder: the
 * connector then needs no token, and its agent id is the certificate's subject CN.
 */
export async function loadOrEnrollRelayIdentity(
  dataDir: string,
  enrollment: RelayEnrollment,
): Promise<RelayIdentity & { readonly enrolled: boolean }> {
  const dir = path.join(dataDir, RELAY_DIR_NAME);
  const file = path.join(dir, RELAY_FILE_NAMES.identity);
  const stored = await readIfPresent(file);
  if (stored !== null) return { ...parseIdentity(file, stored), enrolled: false };
  const provisioned = await readProvisionedIdentity(dir, enrollment.serverCaPem);
  if (provisioned !== null) return { ...provisioned, enrolled: false };

  const { keys, privateKeyPem } = await generateP256KeyPair();
  const csr = await Pkcs10CertificateRequestGenerator.create(
    { name: 'CN=smc-kit MDM connector', keys, signingAlgorithm: P256_SIGNING_ALGORITHM },
    pkiCrypto,
  );
  const token = await enrollment.enrollmentToken();
  const answer = await httpsJson<EnrollResponse | { error?: { message?: string } }>(
    `${enrollment.serverUrl}/v1/enroll`,
    { ca: enrollment.serverCaPem },
    { body: { token, csr: csr.toString('pem') } },
  );
  if (answer.status !== 200 || !answer.body || !('agentId' in answer.body)) {
    const reason = (answer.body as { error?: { message?: string } } | null)?.error?.message;
    throw new Error(
      `the management server refused the connector's enrollment (${answer.status}${reason ? `: ${reason}` : ''})`,
    );
  }
  // The server trusts relayed devices only from an agent it enrolled as a connector: an
  // ordinary agent token would give a connector whose phones never show on the console.
  if (answer.body.kind !== 'mdm-connector') {
    throw new Error(
      'the server enrolled the connector as an ordinary agent: its token must be a connector token (smc admin enrollment-token --kind mdm-connector)',
    );
  }
  const identity: RelayIdentity = {
    agentId: answer.body.agentId,
    certPem: answer.body.certificate,
    keyPem: privateKeyPem,
    serverCaPem: enrollment.serverCaPem,
  };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFileAtomically(file, JSON.stringify(identity, null, 2), SECRET_FILE_MODE);
  return { ...identity, enrolled: true };
}

async function readProvisionedIdentity(
  dir: string,
  serverCaPem: string,
): Promise<RelayIdentity | null> {
  const certFile = path.join(dir, RELAY_FILE_NAMES.provisionedCertificate);
  const keyFile = path.join(dir, RELAY_FILE_NAMES.provisionedKey);
  const [certPem, keyPem] = await Promise.all([readIfPresent(certFile), readIfPresent(keyFile)]);
  if (certPem === null && keyPem === null) return null;
  if (certPem === null || keyPem === null) {
    throw new Error(
      `${certPem === null ? certFile : keyFile} is missing: a provisioned relay identity needs both ${RELAY_FILE_NAMES.provisionedCertificate} and ${RELAY_FILE_NAMES.provisionedKey}`,
    );
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certPem);
  } catch (error) {
    throw new Error(`${certFile} is not a PEM certificate`, { cause: error });
  }
  // node:crypto prints the subject one attribute per line: "CN=<uuid>".
  const commonNames = certificate.subject
    .split('\n')
    .filter((line) => line.startsWith('CN='))
    .map((line) => line.slice(3));
  const agentId = commonNames.length === 1 ? commonNames[0] : undefined;
  if (!isAgentId(agentId)) {
    throw new Error(
      `${certFile}: its subject CN must be the connector's agent id (a lower-case UUID)`,
    );
  }
  if (!certificate.checkIssued(new X509Certificate(serverCaPem))) {
    throw new Error(`${certFile} was not issued by the server's agent CA (--server-ca)`);
  }
  return { agentId, certPem, keyPem, serverCaPem };
}

function parseIdentity(file: string, text: string): RelayIdentity {
  let value: Partial<RelayIdentity>;
  try {
    value = JSON.parse(text) as Partial<RelayIdentity>;
  } catch {
    throw new Error(`${file} is not JSON; delete it to enroll the connector again`);
  }
  for (const key of ['agentId', 'certPem', 'keyPem', 'serverCaPem'] as const) {
    if (typeof value[key] !== 'string' || value[key].length === 0) {
      throw new Error(`${file}: ${key} is missing; delete the file to enroll the connector again`);
    }
  }
  return value as RelayIdentity;
}
