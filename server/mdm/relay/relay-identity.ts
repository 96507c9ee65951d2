import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { EnrollResponse } from '../../../protocol/index.js';
import { generateP256KeyPair } from '../../pki/key-pair.js';
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
 * reuse the stored identity, so the server keeps one computer for this connector.
 */
export async function loadOrEnrollRelayIdentity(
  dataDir: string,
  enrollment: RelayEnrollment,
): Promise<RelayIdentity & { readonly enrolled: boolean }> {
  const dir = path.join(dataDir, 'relay');
  const file = path.join(dir, 'identity.json');
  const stored = await readIfPresent(file);
  if (stored !== null) return { ...parseIdentity(file, stored), enrolled: false };

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
