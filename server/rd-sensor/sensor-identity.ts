import type { EnrollResponse } from '../../protocol/index.js';
import { httpsJson } from '../mdm/relay/https-json.js';
import { generateP256KeyPair } from '../pki/key-pair.js';
import { P256_SIGNING_ALGORITHM, pkiCrypto } from '../pki/web-crypto.js';
import { Pkcs10CertificateRequestGenerator } from '../pki/x509.js';
import type { SensorIdentity } from './sensor-state.js';

/**
 * First start: a key pair and a CSR, enrolled like an agent with a token of kind `rd-sensor`.
 * The server records that kind and takes sightings only from such agents, so an ordinary agent
 * token is refused here rather than giving a sensor whose reports would all be 403.
 */
export async function enrollSensor(
  serverUrl: string,
  caPem: string,
  token: string,
): Promise<SensorIdentity> {
  const { keys, privateKeyPem } = await generateP256KeyPair();
  const csr = await Pkcs10CertificateRequestGenerator.create(
    { name: 'CN=smc-kit Rogue Detection Sensor', keys, signingAlgorithm: P256_SIGNING_ALGORITHM },
    pkiCrypto,
  );
  const answer = await httpsJson<EnrollResponse | { error?: { message?: string } }>(
    `${serverUrl}/v1/enroll`,
    { ca: caPem },
    { body: { token, csr: csr.toString('pem') } },
  );
  if (answer.status !== 200 || !answer.body || !('agentId' in answer.body)) {
    const reason = (answer.body as { error?: { message?: string } } | null)?.error?.message;
    throw new Error(
      `--enroll-token: the server refused the sensor's enrollment (${answer.status}${reason ? `: ${reason}` : ''})`,
    );
  }
  if (answer.body.kind !== 'rd-sensor') {
    throw new Error(
      '--enroll-token: the server enrolled an ordinary agent; a sensor needs a token of kind rd-sensor (smc admin enrollment-token --kind rd-sensor)',
    );
  }
  return { agentId: answer.body.agentId, certPem: answer.body.certificate, keyPem: privateKeyPem };
}
